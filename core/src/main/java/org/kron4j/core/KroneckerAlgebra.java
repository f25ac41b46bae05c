package org.kron4j.core;

import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Applying Kronecker-factored matrices and their inverses to a layer's m×(n+1) gradient V without forming them:
 * (A ⊗ G) vec(V) = vec(G V A) for symmetric A, G (column-major vec). Costs O(m²n + mn²) per
 * application instead of O(m²n²).
 */
public final class KroneckerAlgebra {
    private KroneckerAlgebra() {
    }

    /** G⁻¹ V A⁻¹ from precomputed symmetric inverses: (A⁻¹ ⊗ G⁻¹) vec(V). */
    public static INDArray applyInverses(INDArray outputInverse, INDArray gradient, INDArray inputInverse) {
        return outputInverse.mmul(gradient).mmul(inputInverse);
    }

    /**
     * {@link #applyInverses} with G⁻¹V computed into the scratch's slot 0 instead of a new array:
     * the same two BLAS products (gemm without transposes), so the same values; only the
     * returned direction is allocated.
     */
    public static INDArray applyInverses(INDArray outputInverse, INDArray gradient, INDArray inputInverse,
            ProductScratch scratch) {
        INDArray left = scratch.get(0, gradient.dataType(), outputInverse.rows(), gradient.columns());
        Nd4j.gemm(outputInverse, gradient, left, false, false, 1.0, 0.0);
        return left.mmul(inputInverse);
    }

    /**
     * {@link #applyEigenInverse} with its intermediates in the scratch's slots 0 and 1: Q_GᵀV by
     * gemm with transA (Q_G is never transposed in memory), ·Q_A, ⊘D in place, Q_G·, and the last
     * product by gemm with transB into the returned direction. The same four products as the
     * allocating form, so the same values.
     */
    public static INDArray applyEigenInverse(INDArray outputVectors, INDArray gradient, INDArray inputVectors,
            INDArray denominators, ProductScratch scratch) {
        org.nd4j.linalg.api.buffer.DataType type = gradient.dataType();
        long m = outputVectors.columns();
        long c = inputVectors.columns();
        INDArray projected = scratch.get(0, type, m, gradient.columns());
        Nd4j.gemm(outputVectors, gradient, projected, true, false, 1.0, 0.0);
        INDArray rotated = scratch.get(1, type, m, c);
        Nd4j.gemm(projected, inputVectors, rotated, false, false, 1.0, 0.0);
        rotated.divi(denominators);
        INDArray back = scratch.get(0, type, outputVectors.rows(), c);
        Nd4j.gemm(outputVectors, rotated, back, false, false, 1.0, 0.0);
        return Nd4j.gemm(back, inputVectors, false, true);
    }

    /** V rotated into the Kronecker eigenbasis: Q_Gᵀ V Q_A. */
    public static INDArray toEigenbasis(INDArray outputVectors, INDArray gradient, INDArray inputVectors) {
        return Nd4j.gemm(outputVectors, gradient, true, false).mmul(inputVectors);
    }

    /** Back from the eigenbasis: Q_G W Q_Aᵀ. */
    public static INDArray fromEigenbasis(INDArray outputVectors, INDArray rotated, INDArray inputVectors) {
        return Nd4j.gemm(outputVectors.mmul(rotated), inputVectors, false, true);
    }

    /**
     * Q_G [(Q_Gᵀ V Q_A) ⊘ D] Q_Aᵀ: the inverse of Q diag(vec D) Qᵀ with Q = Q_A ⊗ Q_G applied to
     * V. D (m×(n+1)) holds the curvature in the eigenbasis plus damping: λ_G λ_Aᵀ + λ for K-FAC,
     * S + λ for EKFAC.
     */
    public static INDArray applyEigenInverse(INDArray outputVectors, INDArray gradient, INDArray inputVectors,
            INDArray denominators) {
        INDArray rotated = toEigenbasis(outputVectors, gradient, inputVectors);
        return fromEigenbasis(outputVectors, rotated.divi(denominators), inputVectors);
    }

    /**
     * Q_G [(Q_Gᵀ V Q_A) ∘ D] Q_Aᵀ: Q diag(vec D) Qᵀ with Q = Q_A ⊗ Q_G applied to V, the inverse of
     * {@link #applyEigenInverse} with the same D.
     */
    public static INDArray applyEigen(INDArray outputVectors, INDArray vector, INDArray inputVectors,
            INDArray diagonal) {
        INDArray rotated = toEigenbasis(outputVectors, vector, inputVectors);
        return fromEigenbasis(outputVectors, rotated.muli(diagonal), inputVectors);
    }

    /**
     * (G + d_G I) V (A + d_A I) = ((A + d_A I) ⊗ (G + d_G I)) vec(V) for symmetric A, G, from the
     * undamped factors (neither is modified); two products, O(m²n + mn²).
     */
    public static INDArray applyDampedFactors(INDArray output, double outputDamping, INDArray vector, INDArray input,
            double inputDamping) {
        INDArray g = outputDamping == 0 ? output : NdArrays.addToDiagonal(output.dup('c'), outputDamping);
        INDArray a = inputDamping == 0 ? input : NdArrays.addToDiagonal(input.dup('c'), inputDamping);
        return g.mmul(vector).mmul(a);
    }

    /**
     * (Ã ⊗ G̃ + λI)^{±1} vec(V) for low-rank factors ({@link LowRankFactor}: Ã = U_A diag(a) U_Aᵀ +
     * ā(I − U_A U_Aᵀ), G̃ likewise), without forming a full eigenbasis. Ã ⊗ G̃ is diagonal in four
     * blocks of the Kronecker eigenbasis — top G × top A (eigenvalues g_i a_j), top × rest (g_i ā),
     * rest × top (ḡ a_j), rest × rest (ḡ ā) — so with X = U_Gᵀ V and C = X U_A:
     * <pre>
     *   R = U_G [C ∘ d(g aᵀ)] U_Aᵀ + U_G diag(d(g ā)) (X − C U_Aᵀ)
     *     + (V U_A − U_G C) diag(d(ḡ a)) U_Aᵀ + d(ḡ ā) (V − U_G X − (V U_A − U_G C) U_Aᵀ),
     * </pre>
     * d(x) = 1/(x + λ) for the inverse and x + λ for the product; the blocks of an untruncated side
     * are empty and skipped. About six products of O(m·c·k) each, against 2mc(m + c) for the full
     * eigenbasis; exact (up to rounding) when neither side is truncated.
     *
     * @param output  G̃ (m rows of V)
     * @param vector  V, m×c
     * @param input   Ã (c columns of V)
     * @param damping λ ≥ 0 (the inverse needs every g a + λ &gt; 0)
     * @param inverse true for the inverse, false for the product
     */
    public static INDArray applyLowRank(LowRankFactor output, INDArray vector, LowRankFactor input, double damping,
            boolean inverse) {
        INDArray ug = output.vectors();
        INDArray ua = input.vectors();
        INDArray g = output.values().reshape(output.rank(), 1);
        INDArray a = input.values().reshape(1, input.rank());
        INDArray x = Nd4j.gemm(ug, vector, true, false);                  // k_G × c
        INDArray c = x.mmul(ua);                                          // k_G × k_A
        INDArray core = c.mul(scale(g.mmul(a), damping, inverse));        // top × top
        INDArray left = Nd4j.gemm(core, ua, false, true);                 // k_G × c
        if (input.truncated()) {                                          // top G × rest A
            INDArray topRest = x.sub(Nd4j.gemm(c, ua, false, true));
            left.addi(topRest.muliColumnVector(scale(g.mul(input.rest()), damping, inverse)));
        }
        INDArray result = ug.mmul(left);
        if (output.truncated()) {
            INDArray restTop = vector.mmul(ua).subi(ug.mmul(c));         // Q_G V U_A, m × k_A
            if (input.truncated()) {                                      // rest × rest
                INDArray restRest = vector.sub(ug.mmul(x)).subi(Nd4j.gemm(restTop, ua, false, true));
                double both = output.rest() * input.rest() + damping;
                result.addi(restRest.muli(inverse ? 1.0 / both : both));
            }
            INDArray scaled = restTop.muliRowVector(scale(a.mul(output.rest()), damping, inverse));
            result.addi(Nd4j.gemm(scaled, ua, false, true));             // rest G × top A
        }
        return result;
    }

    /** x + λ, or 1/(x + λ), elementwise; {@code values} is a fresh array and is modified. */
    private static INDArray scale(INDArray values, double damping, boolean inverse) {
        values.addi(damping);
        return inverse ? values.rdivi(1.0) : values;
    }

    /** λ_G λ_Aᵀ + λ: K-FAC's eigenvalues of A ⊗ G + λI arranged as an m×(n+1) matrix. */
    public static INDArray kroneckerEigenvalues(INDArray outputValues, INDArray inputValues, double damping) {
        long m = outputValues.length();
        long n = inputValues.length();
        return outputValues.reshape(m, 1).mmul(inputValues.reshape(1, n)).addi(damping);
    }

    /**
     * The dense Kronecker product A ⊗ G ((n+1)m square). For verification on tiny layers only:
     * it loops on the host over A's entries.
     */
    public static INDArray kron(INDArray a, INDArray g) {
        long n = a.rows();
        long m = g.rows();
        INDArray result = Nd4j.zeros(g.dataType(), n * m, n * m);
        for (long i = 0; i < n; i++) {
            for (long j = 0; j < n; j++) {
                result.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i * m, (i + 1) * m),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(j * m, (j + 1) * m))
                        .assign(g.mul(a.getDouble(i, j)));
            }
        }
        return result;
    }
}
