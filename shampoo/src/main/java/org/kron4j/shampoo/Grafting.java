package org.kron4j.shampoo;

/**
 * The first-order method whose per-layer step magnitude Shampoo borrows (grafting, Agarwal et al.
 * 2020, as used by Anil et al. 2020): the layer's direction is
 * {@code ‖graft‖_F / ‖shampoo‖_F · shampoo}. While preconditioning is off (before
 * {@code startPreconditioningStep}, or before the first root exists) the layer takes the grafted
 * method's own direction.
 *
 * <p>With g the gradient and t = 1, 2, … the number of steps this layer has taken:
 * <ul>
 *   <li>{@link #NONE}: Shampoo's own magnitude; the plain gradient while preconditioning is off;</li>
 *   <li>{@link #SGD}: d = g;</li>
 *   <li>{@link #ADAGRAD}: a ← a + g∘g; d = g / (√a + ε);</li>
 *   <li>{@link #ADAM}: m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)(g∘g);
 *       d = (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε).</li>
 * </ul>
 * ε, β₁, β₂ are the settings {@code graftEpsilon}, {@code graftBeta1}, {@code graftBeta2}.
 * Learning rate, momentum and weight decay are the driver's, applied after the direction.
 */
public enum Grafting {
    NONE,
    SGD,
    ADAGRAD,
    ADAM
}
