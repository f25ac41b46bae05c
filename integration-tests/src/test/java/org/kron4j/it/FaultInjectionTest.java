package org.kron4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kron4j.api.BlockContext;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.CurvatureEstimator;
import org.kron4j.api.EstimatorContext;
import org.kron4j.api.Statistics;
import org.kron4j.api.store.StateTransaction;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.linalg.EigenDecomposition;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.linalg.SpdInverse;
import org.kron4j.api.linalg.SymmetricLinearAlgebra;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.api.settings.Setting;
import org.kron4j.api.store.RefreshOutcome;
import org.kron4j.reference.data.Dataset;
import org.kron4j.reference.data.Datasets;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault injection for every variant on a small MLP (iris, 4-8-3, tanh, softmax cross-entropy,
 * float32 engine, default MC Fisher targets where the variant samples): at random steps NaN, +∞
 * or −∞ is written into a gradient, a layer input, an output gradient or another collected
 * capture field, or into the statistics the estimator collected; the estimator throws after its
 * blocks have changed the store (absorb, refresh) or while preconditioning; or the decomposition
 * kernels fail at a refresh.
 *
 * <p>Each non-finite value and each exception must be refused: the step is skipped and counted,
 * and the optimizer's state bytes are identical to those before the step. A failed decomposition
 * is handled by the store's fallback (the step applies, the outcome is counted as kept-last-good).
 * Then the whole run must end bit-identical — parameters, optimizer state, loss — to a fault-free
 * run over the same batches with the refused steps removed (its decompositions failing at the
 * same refreshes). Sampling generators are seeded per batch so that removing a step does not
 * shift the draws of the others.
 */
class FaultInjectionTest {
    private static final Logger RESULTS = LoggerFactory.getLogger("org.kron4j.results.faults");
    private static final Dataset IRIS = Datasets.iris().standardize();
    private static final int STEPS = 120;
    private static final int BATCH = 32;
    private static final double FAULT_PROBABILITY = 0.3;
    private static final double[] BAD_VALUES = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    private static final Map<String, int[]> TOTALS = new TreeMap<>(); // kind → {injected, survived}

    enum Fault { CAPTURE_FIELD, STATISTICS, THROW_IN_ABSORB, THROW_IN_REFRESH, THROW_IN_PRECONDITION,
        DECOMPOSITION_FAILURE }

    static Stream<Arguments> variants() {
        return Stream.of(
                Arguments.of("kfac:damping=0.1,tCov=1,tInv=3,klClip=0,learningRate=0.3,momentum=0.5,adaptiveStep=false,adaptiveDamping=false"),
                Arguments.of("ekfac:damping=0.15,tCov=1,tInv=3,klClip=0,learningRate=0.2,momentum=0.5,adaptiveStep=false,adaptiveDamping=false"),
                Arguments.of("kfra:damping=0.1,tCov=1,tInv=3,klClip=0,learningRate=0.3,momentum=0.5,adaptiveStep=false,adaptiveDamping=false"),
                Arguments.of("shampoo:tInv=3,startPreconditioningStep=0,diagonalMaxSize=0,learningRate=0.01,momentum=0.9"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void everyFault_refusedOrHandled_stateUnchanged_runMatchesFaultFreeRun(String spec) {
        OptimizerConfig parsed = OptimizerConfig.parse(spec);
        Random schedule = new Random(spec.hashCode());
        Fault[] planned = new Fault[STEPS];
        for (int t = 4; t < STEPS; t++) { // the first steps build the first decompositions
            if (schedule.nextDouble() < FAULT_PROBABILITY) {
                planned[t] = Fault.values()[schedule.nextInt(Fault.values().length)];
            }
        }

        Run faulty = new Run(parsed);
        List<Integer> refused = new ArrayList<>();
        Map<String, int[]> counts = new TreeMap<>(); // fault (and field) → {injected, survived}
        List<Integer> failedRefreshes = new ArrayList<>();
        boolean pendingDecompositionFailure = false;
        for (int t = 0; t < STEPS; t++) {
            Fault fault = planned[t];
            if (fault == Fault.THROW_IN_REFRESH && !faulty.isRefreshStep()) {
                fault = Fault.THROW_IN_ABSORB;
            }
            if (fault == Fault.DECOMPOSITION_FAILURE && !faulty.isRefreshStep()) {
                pendingDecompositionFailure = true; // forced at the next refresh that meets no other fault
                fault = null;
            }
            if (fault == null && pendingDecompositionFailure && faulty.isRefreshStep()) {
                fault = Fault.DECOMPOSITION_FAILURE;
            }
            if (fault == null) {
                assertThat(faulty.step(t, null, schedule).applied()).as("%s batch %d", spec, t).isTrue();
                continue;
            }
            if (fault == Fault.DECOMPOSITION_FAILURE) {
                pendingDecompositionFailure = false;
            }
            byte[] before = faulty.optimizer.stateBytes();
            long keptBefore = faulty.optimizer.store().counters().count(RefreshOutcome.KEPT_LAST_GOOD);
            StepResult result = faulty.step(t, fault, schedule);
            int[] count = counts.computeIfAbsent(fault == Fault.CAPTURE_FIELD ? "NON_FINITE_" + faulty.poisoned
                    : fault == Fault.STATISTICS ? "NON_FINITE_STATISTICS" : fault.name(), f -> new int[2]);
            count[0]++;
            if (fault == Fault.DECOMPOSITION_FAILURE) {
                failedRefreshes.add(t);
                assertThat(result.applied()).as("%s batch %d: a failed decomposition falls back", spec, t).isTrue();
                assertThat(result.refreshed()).isTrue();
                assertThat(faulty.optimizer.store().counters().count(RefreshOutcome.KEPT_LAST_GOOD))
                        .as("%s batch %d: kept-last-good counted", spec, t).isGreaterThan(keptBefore);
                result.updates().forEach(u -> assertThat(u.isInfinite().any() || u.isNaN().any()).isFalse());
            } else {
                assertThat(result.applied()).as("%s batch %d: %s refused", spec, t, fault).isFalse();
                assertThat(faulty.optimizer.stateBytes()).as("%s batch %d: %s leaves the state bit-identical",
                        spec, t, fault).isEqualTo(before);
                refused.add(t);
            }
            count[1]++;
        }
        long thrown = counts.entrySet().stream().filter(e -> e.getKey().startsWith("THROW"))
                .mapToLong(e -> e.getValue()[0]).sum();
        assertThat(faulty.optimizer.skippedSteps()).isEqualTo(refused.size());
        assertThat(faulty.optimizer.failedSteps()).isEqualTo(thrown);

        Run clean = new Run(parsed);
        for (int t = 0; t < STEPS; t++) {
            if (!refused.contains(t)) {
                assertThat(clean.step(t, failedRefreshes.contains(t) ? Fault.DECOMPOSITION_FAILURE : null, null)
                        .applied()).isTrue();
            }
        }
        assertThat(clean.optimizer.steps()).isEqualTo(faulty.optimizer.steps());
        assertThat(faulty.optimizer.stateBytes()).as("%s: optimizer state after the run", spec)
                .isEqualTo(clean.optimizer.stateBytes());
        for (int l = 0; l < faulty.mlp.parameters().size(); l++) {
            assertThat(faulty.mlp.parameters().get(l)).isEqualTo(clean.mlp.parameters().get(l));
        }
        double faultyLoss = faulty.mlp.loss(IRIS.features(), IRIS.oneHot());
        double cleanLoss = clean.mlp.loss(IRIS.features(), IRIS.oneHot());
        assertThat(faultyLoss).isEqualTo(cleanLoss);
        assertThat(faultyLoss).isLessThan(clean.initialLoss);

        StringBuilder line = new StringBuilder();
        synchronized (TOTALS) {
            counts.forEach((fault, c) -> {
                line.append(fault).append('=').append(c[1]).append('/').append(c[0]).append(' ');
                int[] total = TOTALS.computeIfAbsent(fault, f -> new int[2]);
                total[0] += c[0];
                total[1] += c[1];
            });
        }
        RESULTS.info("{}: faults survived/injected {}; {} steps refused, {} applied; final loss {} (fault-free run "
                + "without those steps: {}; initial {})", parsed.variantName(), line.toString().trim(),
                refused.size(), faulty.optimizer.steps(), faultyLoss, cleanLoss, clean.initialLoss);
    }

    @AfterAll
    static void report() {
        int injected = TOTALS.values().stream().mapToInt(c -> c[0]).sum();
        int survived = TOTALS.values().stream().mapToInt(c -> c[1]).sum();
        StringBuilder line = new StringBuilder();
        TOTALS.forEach((kind, c) -> line.append(kind).append('=').append(c[1]).append('/').append(c[0]).append(' '));
        RESULTS.info("fault injection, all variants: {} of {} faults survived with the state unchanged ({})",
                survived, injected, line.toString().trim());
    }

    /** One training run: the MLP, its optimizer (variant wrapped to inject faults), the kernels. */
    private static final class Run {
        final ReferenceMlp mlp = ReferenceMlp.builder(4, 8, 3).hidden(Activation.TANH)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(7).build();
        final FailingKernels kernels = new FailingKernels(LinearAlgebras.forCurrentBackend());
        final FaultyVariant variant;
        final KroneckerOptimizer optimizer;
        final int tInv;
        final double initialLoss;
        String poisoned;

        Run(OptimizerConfig parsed) {
            variant = new FaultyVariant(parsed.variant());
            OptimizerConfig.Builder config = OptimizerConfig.builder(variant);
            parsed.givenText().forEach(config::parse);
            OptimizerConfig built = config.build();
            optimizer = KroneckerOptimizer.builder(built).model(mlp.modelSpec()).linearAlgebra(kernels).build();
            tInv = built.driverValue(org.kron4j.api.optim.OptimizerSettings.T_INV);
            initialLoss = mlp.loss(IRIS.features(), IRIS.oneHot());
        }

        boolean isRefreshStep() {
            return optimizer.steps() % tInv == 0;
        }

        StepResult step(int batch, Fault fault, Random random) {
            Random rows = new Random(1000 + batch);
            int[] picked = new int[BATCH];
            for (int i = 0; i < BATCH; i++) {
                picked[i] = rows.nextInt(IRIS.size());
            }
            INDArray x = Nd4j.pullRows(IRIS.features(), 1, picked);
            INDArray y = Nd4j.pullRows(IRIS.oneHot(), 1, picked);
            StepPlan plan = optimizer.plan();
            ModelCapture capture;
            try (org.nd4j.linalg.api.rng.Random sampling = Nd4j.getRandomFactory().getNewRandomInstance(
                    5000 + batch)) {
                capture = mlp.capture(x, y, plan, sampling);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            if (fault == Fault.CAPTURE_FIELD) {
                poisoned = poisonCaptureField(capture, random);
            } else if (fault == Fault.STATISTICS) {
                variant.poisonNextStatistics = BAD_VALUES[random.nextInt(BAD_VALUES.length)];
            } else if (fault != null && fault.name().startsWith("THROW")) {
                variant.throwIn = fault;
            }
            kernels.fail = fault == Fault.DECOMPOSITION_FAILURE;
            StepResult result;
            try {
                result = optimizer.step(capture);
            } finally {
                kernels.fail = false;
                variant.throwIn = null;
                variant.poisonNextStatistics = null;
            }
            if (result.applied()) {
                mlp.addToParameters(result.updates());
            }
            return result;
        }

        /** NaN or ±∞ into one value of a random per-layer field (gradient, inputs, output gradients...). */
        private String poisonCaptureField(ModelCapture capture, Random random) {
            List<INDArray> targets = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (LayerCapture layer : capture.layers()) {
                new TreeMap<>(layer.fields()).forEach((field, value) -> { // enum order: reproducible picks
                    if (field != CaptureField.PARAMETERS && value.length() > 0) { // parameters are the MLP's own
                        targets.add(value);
                        names.add(field.name());
                    }
                });
            }
            capture.outputHessianIfPresent().ifPresent(h -> {
                targets.add(h);
                names.add(CaptureField.OUTPUT_HESSIAN.name());
            });
            int pick = random.nextInt(targets.size());
            INDArray target = targets.get(pick);
            target.putScalar(random.nextInt((int) target.length()), BAD_VALUES[random.nextInt(BAD_VALUES.length)]);
            return names.get(pick);
        }
    }

    /** An injected failure from inside the estimator. */
    static final class InjectedFault extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFault(String message) {
            super(message);
        }
    }

    /** A variant that behaves exactly as another, except for the faults it is told to inject. */
    private static final class FaultyVariant implements CurvatureApproximation {
        final CurvatureApproximation delegate;
        Double poisonNextStatistics;
        Fault throwIn;

        FaultyVariant(CurvatureApproximation delegate) {
            this.delegate = delegate;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public List<Setting<?>> driverSettings() {
            return delegate.driverSettings();
        }

        @Override
        public List<Setting<?>> settings() {
            return delegate.settings();
        }

        @Override
        public Map<String, Object> driverDefaults() {
            return delegate.driverDefaults();
        }

        @Override
        public boolean supports(LayerSpec layer) {
            return delegate.supports(layer);
        }

        @Override
        public CurvatureBlock createBlock(BlockContext context) {
            return delegate.createBlock(context);
        }

        @Override
        public CurvatureEstimator createEstimator(EstimatorContext context) {
            CurvatureEstimator inner = delegate.createEstimator(context);
            return new CurvatureEstimator() {
                @Override
                public List<CurvatureBlock> blocks() {
                    return inner.blocks();
                }

                @Override
                public Set<CaptureField> statisticsFields() {
                    return inner.statisticsFields();
                }

                @Override
                public Statistics collect(ModelCapture capture) {
                    Statistics statistics = inner.collect(capture);
                    if (poisonNextStatistics != null) {
                        for (BlockStatistics block : statistics.blocks()) {
                            if (!block.isEmpty()) {
                                INDArray sum = block.sums().values().iterator().next();
                                sum.putScalar(sum.length() / 2, poisonNextStatistics);
                                break;
                            }
                        }
                    }
                    return statistics;
                }

                @Override
                public void absorb(Statistics statistics) {
                    inner.absorb(statistics); // the store has changed when the fault comes
                    if (throwIn == Fault.THROW_IN_ABSORB) {
                        throw new InjectedFault("injected after absorb");
                    }
                }

                @Override
                public void refresh(double damping) {
                    inner.refresh(damping);
                    if (throwIn == Fault.THROW_IN_REFRESH) {
                        throw new InjectedFault("injected after refresh");
                    }
                }

                @Override
                public List<INDArray> precondition(List<INDArray> gradients, double damping) {
                    List<INDArray> result = inner.precondition(gradients, damping);
                    if (throwIn == Fault.THROW_IN_PRECONDITION) {
                        throw new InjectedFault("injected in precondition");
                    }
                    return result;
                }

                @Override
                public List<INDArray> precondition(List<INDArray> gradients, double damping,
                        StateTransaction transaction) {
                    List<INDArray> result = inner.precondition(gradients, damping, transaction);
                    if (throwIn == Fault.THROW_IN_PRECONDITION) {
                        throw new InjectedFault("injected in precondition");
                    }
                    return result;
                }

                @Override
                public List<INDArray> multiply(List<INDArray> vectors, double damping) {
                    return inner.multiply(vectors, damping);
                }
            };
        }
    }

    /** Kernels that report failure while {@link #fail} is set. */
    private static final class FailingKernels implements SymmetricLinearAlgebra {
        private final SymmetricLinearAlgebra delegate;
        boolean fail;

        FailingKernels(SymmetricLinearAlgebra delegate) {
            this.delegate = delegate;
        }

        @Override
        public String name() {
            return "failing(" + delegate.name() + ")";
        }

        @Override
        public EigenDecomposition eigh(INDArray a) {
            return fail ? EigenDecomposition.failed("injected failure") : delegate.eigh(a);
        }

        @Override
        public SpdInverse spdInverse(INDArray a) {
            return fail ? SpdInverse.failed("injected failure") : delegate.spdInverse(a);
        }
    }
}
