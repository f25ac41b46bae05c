package org.kron4j.dl4j;

import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;

/** Measures resident memory over a long run, with and without kron4j (not run by surefire). */
class Dl4jMemoryProbe {
    @Test
    void probe() {
        int steps = Integer.getInteger("steps", 2000);
        String spec = System.getProperty("spec", "kfac:damping=0.1,tCov=1,tInv=5,klClip=0");
        MultiLayerNetwork network = Dl4jFixtures.digitsMlp(5, spec.equals("adam") ? new Adam(1e-3) : new Nesterovs(0.1, 0.5));
        if (!spec.equals("adam")) {
            Kron4jDl4j.attach(network, spec);
        }
        for (int t = 0; t <= steps; t++) {
            int from = (t * 64) % 1728;
            network.fit(new DataSet(Dl4jFixtures.DIGITS.features().get(NDArrayIndex.interval(from, from + 64), NDArrayIndex.all()),
                    Dl4jFixtures.DIGITS.oneHot().get(NDArrayIndex.interval(from, from + 64), NDArrayIndex.all())));
            if (t % (steps / 8) == 0) {
                System.gc();
                System.err.printf("MEM %s step %d: physical %d MB, javacpp %d MB, heap %d MB%n", spec, t,
                        Pointer.physicalBytes() >> 20, Pointer.totalBytes() >> 20,
                        (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
            }
        }
    }
}
