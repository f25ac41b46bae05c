package org.kron4j.api.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.kron4j.api.linalg.EigenDecomposition;
import org.kron4j.api.linalg.SpdInverse;
import org.kron4j.api.linalg.SymmetricLinearAlgebra;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Wraps real kernels and fails on demand: every call whose input matches {@code failWhen}
 * reports failure, as a broken decomposition would. Records the inputs it saw.
 */
public final class SwitchableLinearAlgebra implements SymmetricLinearAlgebra {
    private final SymmetricLinearAlgebra delegate;
    private Predicate<INDArray> failWhen = a -> false;
    private final List<INDArray> seen = new ArrayList<>();

    public SwitchableLinearAlgebra(SymmetricLinearAlgebra delegate) {
        this.delegate = delegate;
    }

    public void failWhen(Predicate<INDArray> condition) {
        this.failWhen = condition;
    }

    public void failAlways() {
        failWhen(a -> true);
    }

    public void succeed() {
        failWhen(a -> false);
    }

    public List<INDArray> seen() {
        return seen;
    }

    @Override
    public String name() {
        return "switchable(" + delegate.name() + ")";
    }

    @Override
    public EigenDecomposition eigh(INDArray a) {
        seen.add(a.dup());
        return failWhen.test(a) ? EigenDecomposition.failed("forced failure") : delegate.eigh(a);
    }

    @Override
    public SpdInverse spdInverse(INDArray a) {
        seen.add(a.dup());
        return failWhen.test(a) ? SpdInverse.failed("forced failure") : delegate.spdInverse(a);
    }
}
