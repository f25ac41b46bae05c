package org.kron4j.shampoo;

import org.kron4j.api.linalg.EigenDecomposition;
import org.kron4j.api.linalg.SpdInverse;
import org.kron4j.api.linalg.SymmetricLinearAlgebra;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Real kernels that report failure on demand, as a broken decomposition would; counts the calls. */
final class SwitchableLinearAlgebra implements SymmetricLinearAlgebra {
    private final SymmetricLinearAlgebra delegate;
    private boolean failing;
    private int eighCalls;

    SwitchableLinearAlgebra(SymmetricLinearAlgebra delegate) {
        this.delegate = delegate;
    }

    void fail(boolean failing) {
        this.failing = failing;
    }

    int eighCalls() {
        return eighCalls;
    }

    @Override
    public String name() {
        return "switchable(" + delegate.name() + ")";
    }

    @Override
    public EigenDecomposition eigh(INDArray a) {
        eighCalls++;
        return failing ? EigenDecomposition.failed("forced failure") : delegate.eigh(a);
    }

    @Override
    public SpdInverse spdInverse(INDArray a) {
        return failing ? SpdInverse.failed("forced failure") : delegate.spdInverse(a);
    }
}
