package org.kron4j.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.kron4j.api.linalg.Decomposition;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.linalg.SymmetricLinearAlgebra;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Wall-clock comparison of the two {@link SymmetricLinearAlgebra} implementations: sizes × data
 * types × {eigh, spdInverse} × {lapack, nd4j}, on random SPD matrices X·Xᵀ/n + I. Each cell is
 * the median over up to {@code --reps} timed runs after one warm-up run; a cell stops early
 * once its timed runs exceed {@code --budget} seconds (at least one timed run), so the slow
 * portable eigensolver at 2048 costs two runs, not six. A cell whose result reports failure is
 * marked "FAIL" (the time is still shown).
 *
 * <p>Usage: {@code LinalgKernelsBenchmark [--sizes 128,512,1024,2048] [--types FLOAT,DOUBLE]
 * [--reps 5] [--budget 10] [--portable true]}; {@code --portable false} times the LAPACK
 * path only. Prints the table to stdout. On AVX-512 machines run it with
 * {@code OPENBLAS_CORETYPE=Haswell} in the environment, or every float64 cell fails (see
 * {@link LinearAlgebras#platformCheck()}).
 */
public final class LinalgKernelsBenchmark {

    private LinalgKernelsBenchmark() {}

    public static void main(String[] args) {
        int[] sizes = {128, 512, 1024, 2048};
        DataType[] types = {DataType.FLOAT, DataType.DOUBLE};
        boolean runPortable = true;
        int maxReps = 5;
        double budgetSeconds = 10;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--sizes" -> sizes = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--types" -> types = Arrays.stream(args[i + 1].split(",")).map(DataType::valueOf)
                        .toArray(DataType[]::new);
                case "--reps" -> maxReps = Integer.parseInt(args[i + 1]);
                case "--budget" -> budgetSeconds = Double.parseDouble(args[i + 1]);
                case "--portable" -> runPortable = Boolean.parseBoolean(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }

        SymmetricLinearAlgebra lapack = LinearAlgebras.lapack();
        SymmetricLinearAlgebra nd4j = LinearAlgebras.portable();
        Optional<String> platform = LinearAlgebras.platformCheck();
        System.out.printf("kron4j linear-algebra kernels — backend %s, %d cores, OPENBLAS_CORETYPE=%s%n",
                Nd4j.getBackend().getClass().getSimpleName(), Runtime.getRuntime().availableProcessors(),
                Optional.ofNullable(System.getenv("OPENBLAS_CORETYPE")).orElse("(unset)"));
        System.out.println("platform check: " + platform.map(p -> "PROBLEM — " + p).orElse("ok"));
        System.out.printf("median wall-clock ms after 1 warm-up, up to %d timed runs (budget %.0f s per cell)%n%n",
                maxReps, budgetSeconds);
        System.out.println("|    n | dtype  | operation  |   lapack ms |     nd4j ms | nd4j/lapack | runs (l/n) |");
        System.out.println("|-----:|--------|------------|------------:|------------:|------------:|-----------:|");

        for (int n : sizes) {
            for (DataType dt : types) {
                INDArray a = randomSpd(n, dt);
                for (String operation : List.of("eigh", "spdInverse")) {
                    Cell l = measure(operation, lapack, a, maxReps, budgetSeconds);
                    Cell p = runPortable ? measure(operation, nd4j, a, maxReps, budgetSeconds) : Cell.SKIPPED;
                    System.out.printf(Locale.ROOT, "| %4d | %-6s | %-10s | %11s | %11s | %11.1f | %4d / %-4d|%n", n,
                            dt, operation, l.format(), p.format(), p.medianMs / l.medianMs, l.runs, p.runs);
                }
            }
        }
    }

    private static Cell measure(String operation, SymmetricLinearAlgebra la, INDArray a, int maxReps,
            double budgetSeconds) {
        Function<INDArray, Decomposition> op = operation.equals("eigh") ? la::eigh : la::spdInverse;
        boolean ok = op.apply(a).succeeded(); // warm-up
        List<Double> times = new ArrayList<>();
        double spent = 0;
        while (times.size() < maxReps && (times.isEmpty() || spent < budgetSeconds * 1000)) {
            long start = System.nanoTime();
            Decomposition d = op.apply(a);
            double ms = (System.nanoTime() - start) / 1e6;
            ok &= d.succeeded();
            times.add(ms);
            spent += ms;
        }
        times.sort(null);
        int m = times.size();
        double median = m % 2 == 1 ? times.get(m / 2) : (times.get(m / 2 - 1) + times.get(m / 2)) / 2;
        return new Cell(median, m, ok);
    }

    /** X·Xᵀ/n + I for a Gaussian X (fixed seed), in the given data type. */
    private static INDArray randomSpd(int n, DataType dt) {
        Nd4j.getRandom().setSeed(42L + n);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, n);
        INDArray a = x.mmul(x.transpose()).divi(n).addi(Nd4j.eye(n).castTo(DataType.DOUBLE));
        a = a.add(a.transpose()).muli(0.5); // exactly symmetric
        return a.castTo(dt);
    }

    private record Cell(double medianMs, int runs, boolean succeeded) {
        static final Cell SKIPPED = new Cell(Double.NaN, 0, true);

        String format() {
            return runs == 0 ? "-" : String.format(Locale.ROOT, "%s%.1f", succeeded ? "" : "FAIL ", medianMs);
        }
    }
}
