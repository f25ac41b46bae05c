package org.kron4j.tribuo;

import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.model.ModelSpec;
import org.tribuo.math.la.Tensor;

/**
 * The engine side of a kron4j step inside a Tribuo trainer: a Tribuo {@code Parameters} object
 * that can record, between two optimiser steps, what a {@link StepPlan} asks for (layer inputs,
 * output gradients from sampled targets, …) and hand it over as a {@link ModelCapture}.
 *
 * <p>{@link Kron4jOptimiser#initialise} recognises parameters implementing this interface and
 * drives them: {@link #expect} before the examples of a step are seen, {@link #capture} in
 * {@code step}. Parameters that do not implement it give the optimiser gradients only.
 */
interface CaptureEngine {

    /** The model as kron4j sees it. */
    ModelSpec modelSpec();

    /**
     * Announces what the next step needs; examples seen from now on are recorded accordingly.
     * The first call also tells the engine that a consumer exists.
     */
    void expect(StepPlan plan);

    /**
     * The capture for the step that Tribuo is about to take, built from the examples recorded
     * since the previous step, and a fresh start for the next one.
     *
     * @param plan      the optimiser's plan for this step (the one last given to {@link #expect})
     * @param gradients the tensors Tribuo passes to {@code StochasticGradientOptimiser.step}:
     *                  ascent directions, summed over the minibatch and scaled by Tribuo
     * @param weight    the weight Tribuo passes alongside
     */
    ModelCapture capture(StepPlan plan, Tensor[] gradients, double weight);
}
