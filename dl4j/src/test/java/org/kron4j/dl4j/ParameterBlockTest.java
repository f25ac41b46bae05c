package org.kron4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The hot-path layout of {@link ParameterBlock} against the layout written out by hand: kron4j's
 * dense [Wᵀ | bᵀ] (conv [W as O×C·kH·kW | bᵀ], tensor: the parameter itself) divided by B, and
 * the direction times B back in DL4J's views. Bit for bit: the fused one-pass copies perform
 * the same float operation per element (x / B, x · B) as the copy-then-scale they replaced. The
 * buffers are reused across calls and hold the latest gradient, never a stale one.
 */
class ParameterBlockTest {
    private static final int B = 12;

    private static Gradient gradientOf(MultiLayerNetwork network, long seed, long[] inputShape, int classes) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, inputShape);
        INDArray y = Nd4j.zeros(DataType.FLOAT, B, classes);
        for (int i = 0; i < B; i++) {
            y.putScalar(i, i % classes, 1f);
        }
        return network.clone().calculateGradients(x, y, null, null).getFirst();
    }

    /** kron4j's layout of a block's DL4J arrays, written out without ParameterBlock. */
    private static INDArray byHand(ParameterBlock block, INDArray w, INDArray b) {
        INDArray kernel;
        if (block.isDense()) {
            kernel = w.transpose();
        } else if (block.isConv()) {
            kernel = w.dup('c').reshape('c', w.size(0), w.length() / w.size(0));
        } else if (block.isScaleShift()) { // [γ | β]: one row per channel
            kernel = w.reshape(w.length(), 1);
        } else {
            return w.reshape(block.spec().gradientShape()).dup('c');
        }
        return b == null ? kernel.dup('c') : Nd4j.hstack(kernel, b.reshape(b.length(), 1));
    }

    private static float[] bits(INDArray a) {
        return a.dup('c').data().asFloat();
    }

    private static void checkNetwork(MultiLayerNetwork network, long[] inputShape, int classes) {
        checkNetwork(network, inputShape, classes, Set.of());
    }

    private static void checkNetwork(MultiLayerNetwork network, long[] inputShape, int classes, Set<Integer> demoted) {
        NetworkModel model = NetworkModel.of(network);
        List<ParameterBlock> blocks = model.blocks(demoted);
        assertThat(blocks).isNotEmpty();
        Gradient first = gradientOf(network, 1, inputShape, classes);
        Gradient second = gradientOf(network, 2, inputShape, classes);
        for (ParameterBlock block : blocks) {
            String w = block.weightKey();
            String b = block.biasKey();
            boolean hasBias = b != null;
            INDArray expected = byHand(block, first.getGradientFor(w), hasBias ? first.getGradientFor(b) : null)
                    .div(B);
            INDArray buffer = block.gradient(first, B);
            assertThat(buffer.shape()).containsExactly(block.spec().gradientShape());
            assertThat(bits(buffer)).as(block.toString()).isEqualTo(bits(expected));

            INDArray again = block.gradient(second, B);
            assertThat(again).isSameAs(buffer);
            assertThat(bits(again)).isEqualTo(bits(byHand(block, second.getGradientFor(w),
                    hasBias ? second.getGradientFor(b) : null).div(B)));

            Nd4j.getRandom().setSeed(3);
            INDArray direction = Nd4j.randn(DataType.FLOAT, block.spec().gradientShape());
            block.write(second, direction, B);
            INDArray written = byHand(block, second.getGradientFor(w), hasBias ? second.getGradientFor(b) : null);
            assertThat(bits(written)).as(block.toString()).isEqualTo(bits(direction.mul(B)));
        }
    }

    @Test
    void denseBlocks_layoutScaleAndWriteBack_bitForBit() {
        checkNetwork(Dl4jFixtures.digitsMlp(7, new Sgd(0.1)), new long[] {B, 64}, 10);
    }

    @Test
    void convDenseScaleShiftAndTensorBlocks_layoutScaleAndWriteBack_bitForBit() {
        MultiLayerNetwork cnn = CnnTest.network(CnnTest.Net.BATCH_NORMALIZED, 3, new Sgd(0.1), 1.0);
        List<ParameterBlock> blocks = NetworkModel.of(cnn).blocks(Set.of());
        assertThat(blocks).anyMatch(ParameterBlock::isConv).anyMatch(ParameterBlock::isDense)
                .anyMatch(ParameterBlock::isScaleShift);
        checkNetwork(cnn, new long[] {B, 64}, 10); // convolutionalFlat(8, 8, 1) input
        // BatchNormalization demoted: gamma and beta become two tensor blocks
        Set<Integer> batchNorm = Set.of(blocks.stream().filter(ParameterBlock::isScaleShift).findFirst().orElseThrow()
                .layerIndex());
        assertThat(NetworkModel.of(cnn).blocks(batchNorm)).noneMatch(ParameterBlock::isScaleShift)
                .anyMatch(block -> !block.isConv() && !block.isDense());
        checkNetwork(cnn, new long[] {B, 64}, 10, batchNorm);
    }

    @Test
    void toAndFromDl4jLayout_roundTripBothOrders() {
        MultiLayerNetwork network = Dl4jFixtures.digitsMlp(7, new Sgd(0.1));
        ParameterBlock block = NetworkModel.of(network).blocks(Set.of()).get(0);
        Nd4j.getRandom().setSeed(4);
        for (char order : new char[] {'c', 'f'}) {
            INDArray kron = Nd4j.randn(DataType.FLOAT, block.spec().gradientShape()).dup(order);
            INDArray[] dl4j = block.toDl4jLayout(kron, DataType.FLOAT);
            assertThat(bits(dl4j[0])).isEqualTo(bits(kron.get(NDArrayIndex.all(),
                    NDArrayIndex.interval(0, kron.columns() - 1)).transpose()));
            assertThat(bits(block.fromDl4jLayout(dl4j[0], dl4j[1]))).isEqualTo(bits(kron));
        }
    }
}
