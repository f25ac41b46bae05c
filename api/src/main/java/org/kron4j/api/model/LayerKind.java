package org.kron4j.api.model;

/** The parameter layouts kron4j knows how to give a curvature block. */
public enum LayerKind {
    /**
     * A fully connected layer s = W ā with ā = [a; 1]. Its gradient is an m×(n+1) matrix (outputs
     * by inputs, the bias as the last column) or m×n without a bias.
     */
    DENSE,
    /** Any parameter tensor of order 1 to 4 with no layer structure known: only gradient-based variants (Shampoo) take it. */
    TENSOR
}
