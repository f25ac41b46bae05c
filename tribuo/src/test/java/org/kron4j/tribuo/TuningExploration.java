package org.kron4j.tribuo;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.math.optimisers.Adam;

@Tag("exploration")
/**
 * The search behind {@link OneEpochComparisonTest}'s kron4j configurations (opt-in, not part of the
 * build): one-epoch training log loss of each spec on the 9 (data set, seed) pairs, marked + where it
 * beats the better of Tribuo's AdaGrad(1.0, 0.1) and Adam(). Run with
 * {@code mvn -pl tribuo test -Dtest=TuningExploration -Dkron4j.excludedGroups=none
 * -Dsurefire.argLine="-Xmx4g -Dmb=1 -Dspecs=kfac:learningRate=0.25;shampoo:learningRate=1"}.
 */
class TuningExploration {
    private static final org.slf4j.Logger RESULTS = org.slf4j.LoggerFactory.getLogger("org.kron4j.results");

    @Test
    void oneEpochLoss_perSpec() {
        int mb = Integer.getInteger("mb", 16);
        String[] specs = System.getProperty("specs").split(";");
        String[] sets = {"iris", "wine", "breast_cancer"};
        List<TribuoData.Split<Label>> splits = new ArrayList<>();
        StringBuilder base = new StringBuilder("baseline max(adagrad,adam) per combo:");
        double[] best = new double[9];
        int c = 0;
        for (String data : sets) {
            for (long seed = 1; seed <= 3; seed++) {
                TribuoData.Split<Label> split = TribuoData.classification(data, seed);
                splits.add(split);
                double ada = TribuoData.logLoss(new LinearSGDTrainer(new LogMulticlass(), new AdaGrad(1.0, 0.1), 1, -1, mb, seed).train(split.train()), split.train());
                double adam = TribuoData.logLoss(new LinearSGDTrainer(new LogMulticlass(), new Adam(), 1, -1, mb, seed).train(split.train()), split.train());
                best[c++] = Math.min(ada, adam);
                base.append(String.format(" %.3f", Math.min(ada, adam)));
            }
        }
        RESULTS.info(base.toString());
        for (String spec : specs) {
            StringBuilder line = new StringBuilder(String.format("%-70s", spec));
            int wins = 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < splits.size(); i++) {
                long seed = i % 3 + 1;
                TribuoData.Split<Label> split = splits.get(i);
                Model<Label> m = new KroneckerClassificationTrainer(new LogMulticlass(), Kron4jOptimiser.fromSpec(spec), 1, -1, mb, seed).train(split.train());
                double loss = TribuoData.logLoss(m, split.train());
                wins += loss < best[i] ? 1 : 0;
                line.append(String.format(" %.3f%s", loss, loss < best[i] ? "+" : "-"));
            }
            line.append(String.format("  wins=%d (%d ms)", wins, (System.nanoTime() - t0) / 1_000_000));
            RESULTS.info(line.toString());
        }
    }
}
