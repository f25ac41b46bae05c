package org.kron4j.dl4j;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * BatchNormalization as DL4J trains it: on the minibatch's own statistics, per channel c over
 * the N = B·H·W values of the batch and positions (rank 4, NCHW) or over the B rows (rank 2):
 * μ = mean x, σ² = mean (x − μ)² (biased), s = √(σ² + ε), x̂ = (x − μ)/s, y = γ x̂ + β.
 * This is a function of the whole batch, not per example, and its exact derivatives are:
 * <ul>
 *   <li>forward mode: ẏ = γ P ẋ + γ̇ x̂ + β̇ with P ẋ = (ẋ − mean ẋ − x̂ · mean(x̂ ẋ)) / s;</li>
 *   <li>backward: ∂γ = Σ ε x̂, ∂β = Σ ε, ε_in = P(γ ε) (P is symmetric: (I − 11ᵀ/N − x̂x̂ᵀ/N)/s).</li>
 * </ul>
 * The running mean and variance are neither read nor updated (they are what DL4J uses at
 * inference). {@link #inputGradient} applies the backward to several stacked copies of the batch
 * (the statistics pass's replicas), each copy through its own batch's P.
 */
final class BatchNormOracleLayer implements OracleLayer {
    private final NetworkModel.Dl4jLayer layer;
    private final BatchNormalization conf;

    BatchNormOracleLayer(NetworkModel.Dl4jLayer layer) {
        this.layer = layer;
        this.conf = (BatchNormalization) layer.layer().conf().getLayer();
    }

    /** Why the oracle cannot go through this layer, or null when it can. */
    static String unsupported(NetworkModel.Dl4jLayer layer) {
        BatchNormalization conf = (BatchNormalization) layer.layer().conf().getLayer();
        return conf.getCnn2DFormat() == CNN2DFormat.NCHW ? null : layer.describe() + " is not NCHW";
    }

    /** The normalized batch: x̂ and s shaped for broadcasting ([1, C, 1, 1] or [1, C]). */
    record Normalized(INDArray xHat, INDArray std) {
        /** P ε for R = k·B stacked rows: (ε − mean ε − x̂ · mean(x̂ ε)) / s per copy of the batch. */
        INDArray project(INDArray epsilon) {
            long batch = xHat.size(0);
            if (epsilon.size(0) == batch) {
                return projectOne(epsilon);
            }
            INDArray out = Nd4j.createUninitialized(epsilon.dataType(), epsilon.shape(), 'c');
            for (long from = 0; from < epsilon.size(0); from += batch) {
                INDArray rows = rows(epsilon, from, batch);
                rows(out, from, batch).assign(projectOne(rows));
            }
            return out;
        }

        private INDArray projectOne(INDArray e) {
            int[] axes = axes(e.rank());
            INDArray centred = e.sub(e.mean(true, axes));
            INDArray correlation = xHat.mul(e).mean(true, axes);
            return centred.subi(xHat.mul(correlation)).divi(std);
        }

        private static INDArray rows(INDArray a, long from, long count) {
            return a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + count));
        }
    }

    /** The axes the statistics are taken over: all but the channel axis 1. */
    static int[] axes(int rank) {
        return rank == 4 ? new int[] {0, 2, 3} : new int[] {0};
    }

    /** x̂ and s of the batch, with DL4J's ε. */
    static Normalized normalize(INDArray x, double eps) {
        int[] axes = axes(x.rank());
        INDArray centred = x.sub(x.mean(true, axes));
        INDArray std = centred.mul(centred).mean(true, axes).addi(eps);
        org.nd4j.linalg.ops.transforms.Transforms.sqrt(std, false);
        return new Normalized(centred.divi(std), std);
    }

    /** x̂ of the batch, as DL4J's training forward normalizes it. */
    static INDArray normalizedInput(NetworkModel.Dl4jLayer layer, INDArray input) {
        return normalize(input, ((BatchNormalization) layer.layer().conf().getLayer()).getEps()).xHat();
    }

    /** ε_in = P(γ ε) for ε of R = k·B stacked rows (the statistics pass's replicas). */
    static INDArray inputGradient(NetworkModel.Dl4jLayer layer, INDArray input, INDArray epsilon) {
        BatchNormOracleLayer bn = new BatchNormOracleLayer(layer);
        Normalized n = normalize(input, bn.conf.getEps());
        return n.project(scale(epsilon, bn.channels(bn.gamma(null, input.dataType()), input.rank())));
    }

    /** γ as DL4J has it ([1, C] or [C]), or the locked constant as a one-element array. */
    private INDArray gamma(INDArray[] params, org.nd4j.linalg.api.buffer.DataType type) {
        if (conf.isLockGammaBeta()) {
            return Nd4j.scalar(type, conf.getGamma());
        }
        return params != null ? params[0] : layer.layer().getParam("gamma");
    }

    private INDArray beta(INDArray[] params) {
        if (conf.isLockGammaBeta()) {
            return null;
        }
        return params != null ? params[1] : layer.layer().getParam("beta");
    }

    /** A per-channel vector shaped for broadcasting against rank-{@code rank} NCHW (or B×C) arrays. */
    private INDArray channels(INDArray v, int rank) {
        if (v.length() == 1) {
            return v;
        }
        return rank == 4 ? v.reshape(1, v.length(), 1, 1) : v.reshape(1, v.length());
    }

    @Override
    public Step forward(INDArray input, INDArray[] params) {
        int rank = input.rank();
        Normalized n = normalize(input, conf.getEps());
        INDArray gamma = channels(gamma(params, input.dataType()), rank);
        INDArray betaVector = beta(params);
        INDArray out = scale(n.xHat(), gamma);
        if (betaVector != null) {
            out.addi(channels(betaVector, rank));
        } else if (conf.getBeta() != 0.0) {
            out.addi(conf.getBeta());
        }
        return new Step() {
            @Override
            public INDArray output() {
                return out;
            }

            @Override
            public INDArray tangent(INDArray inputTangent, INDArray[] direction) {
                INDArray dy = inputTangent == null ? null : scale(n.project(inputTangent), gamma);
                if (direction != null && !conf.isLockGammaBeta()) {
                    INDArray own = n.xHat().mul(channels(direction[0], rank));
                    if (direction[1] != null) {
                        own.addi(channels(direction[1], rank));
                    }
                    dy = dy == null ? own : dy.addi(own);
                }
                return dy;
            }

            @Override
            public INDArray backward(INDArray outputGradient, INDArray[] parameterGradients, boolean needInput) {
                if (parameterGradients != null && !conf.isLockGammaBeta()) {
                    int[] axes = axes(rank);
                    long[] shape = layer.layer().getParam("gamma").shape();
                    parameterGradients[0] = outputGradient.mul(n.xHat()).sum(axes).reshape(shape);
                    parameterGradients[1] = outputGradient.sum(axes).reshape(shape);
                }
                return needInput ? n.project(scale(outputGradient, gamma)) : null;
            }
        };
    }

    private static INDArray scale(INDArray a, INDArray gamma) {
        return gamma.length() == 1 ? a.mul(gamma.getDouble(0)) : a.mul(gamma);
    }
}
