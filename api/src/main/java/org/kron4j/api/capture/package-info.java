/**
 * The engine-facing side of a step: the optimizer publishes a {@link org.kron4j.api.capture.StepPlan}
 * naming what it needs; the engine (the testkit MLP, the DL4J or Tribuo adapter) runs its passes
 * and returns a {@link org.kron4j.api.capture.ModelCapture}. Nothing here knows which engine or
 * which variant is on the other side. When the plan asks for them, the capture also carries the
 * batch loss and a {@link org.kron4j.api.capture.BatchOracle}: the loss at candidate parameters and
 * exact Gauss-Newton × vector products on the same batch, for adaptive damping and step sizes.
 */
package org.kron4j.api.capture;
