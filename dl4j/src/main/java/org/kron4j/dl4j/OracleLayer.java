package org.kron4j.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One DL4J layer's part of {@link Dl4jBatchOracle}'s passes: its forward map x ↦ f(x; θ) on the
 * whole minibatch, and at that point its Jacobian-vector product (forward mode) and its
 * vector-Jacobian product (backward mode), with respect to both the input and the layer's
 * parameters. Parameters are in DL4J's layout and order ({@link ParameterBlock#toDl4jLayout}).
 * Implementations: {@link DenseOracleLayer}, {@link ConvOracleLayer}, {@link PoolingOracleLayer},
 * {@link BatchNormOracleLayer}, {@link TransparentOracleLayer}.
 */
interface OracleLayer {

    /**
     * The forward pass on one minibatch.
     *
     * @param input  the layer's input after its preprocessor
     * @param params the layer's parameters in DL4J's layout, or null for the live ones
     */
    Step forward(INDArray input, INDArray[] params);

    /** The layer at one input: its output and the two linear maps there. */
    interface Step {

        /** f(x; θ): for the output layer its pre-activation z (the loss owns the nonlinearity). */
        INDArray output();

        /**
         * J_x ẋ + J_θ θ̇. Either argument may be null for zero; returns null when both are.
         *
         * @param inputTangent ẋ, shaped like the input
         * @param direction    θ̇ in DL4J's layout, one array per parameter (null entries are zero)
         */
        INDArray tangent(INDArray inputTangent, INDArray[] direction);

        /**
         * J_xᵀ ε, and J_θᵀ ε into {@code parameterGradients} (DL4J's layout) when it is not null.
         *
         * @param outputGradient ε, shaped like the output
         * @param needInput      false when nothing below needs J_xᵀ ε (then null may be returned)
         */
        INDArray backward(INDArray outputGradient, INDArray[] parameterGradients, boolean needInput);
    }
}
