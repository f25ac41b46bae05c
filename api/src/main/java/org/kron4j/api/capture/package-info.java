/**
 * The engine-facing side of a step: the optimizer publishes a {@link org.kron4j.api.capture.StepPlan}
 * naming what it needs; the engine (the testkit MLP, the DL4J or Tribuo adapter) runs its passes
 * and returns a {@link org.kron4j.api.capture.ModelCapture}. Nothing here knows which engine or
 * which variant is on the other side.
 */
package org.kron4j.api.capture;
