/**
 * The Kronecker-factored core shared by K-FAC, EKFAC and KFRA: the A/G factor lifecycle
 * ({@link org.kron4j.core.KroneckerFactors}: moving averages and refresh through the factor
 * store), the block that preconditions and multiplies with A ⊗ G ({@link org.kron4j.core.KfacBlock}),
 * the per-layer-kind statistics ({@link org.kron4j.core.FactorStatistics},
 * {@link org.kron4j.core.DenseStatistics}, and for 2-D convolutions ({@link org.kron4j.core.Conv2d})
 * KFC's {@link org.kron4j.core.Conv2dStatistics} over the im2col patches of
 * {@link org.kron4j.core.ConvGeometry}) chosen through a {@link org.kron4j.core.LayerKindMap},
 * and Kronecker algebra without forming products ({@link org.kron4j.core.KroneckerAlgebra}).
 */
package org.kron4j.core;
