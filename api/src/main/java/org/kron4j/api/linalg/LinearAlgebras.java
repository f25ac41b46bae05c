package org.kron4j.api.linalg;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the {@link SymmetricLinearAlgebra} for the running ND4J backend.
 *
 * <ul>
 *   <li>{@link #forCurrentBackend()}: {@link LapackSymmetricLinearAlgebra} ("lapack") when the
 *       ND4J backend is the CPU one <em>and</em> the bytedeco OpenBLAS binding loads, otherwise
 *       {@link Nd4jSymmetricLinearAlgebra} ("nd4j"). The choice is made once, logged once (with
 *       the reason) and followed by a one-off {@linkplain #platformCheck() self-test}.</li>
 *   <li>{@link #portable()}: always the ND4J path.</li>
 *   <li>{@link #lapack()}: the LAPACK path, or {@link IllegalStateException} saying why not.</li>
 * </ul>
 *
 * <p>{@link LapackSymmetricLinearAlgebra} is only loaded after the check succeeded, so
 * kron4j-api works without its optional {@code org.bytedeco:openblas} dependency.
 */
public final class LinearAlgebras {

    private static final Logger LOG = LoggerFactory.getLogger(LinearAlgebras.class);

    /** The bytedeco OpenBLAS binding (with LAPACKE) the LAPACK path calls. */
    static final String OPENBLAS_BINDING = "org.bytedeco.openblas.global.openblas";

    /** ND4J's CPU backend. */
    static final String CPU_BACKEND = "org.nd4j.linalg.cpu.nativecpu.CpuBackend";

    /** Size of the self-test matrices: large enough to reach LAPACK's blocked code paths. */
    static final int SELF_TEST_SIZE = 128;

    private static final SymmetricLinearAlgebra PORTABLE = new Nd4jSymmetricLinearAlgebra();

    private static volatile Availability lapackAvailability;
    private static volatile SymmetricLinearAlgebra chosen;
    private static volatile Optional<String> platformProblem;

    private LinearAlgebras() {}

    /**
     * The implementation for the running backend: "lapack" on ND4J's CPU backend with the
     * OpenBLAS binding present, "nd4j" otherwise. The first call logs the choice and runs
     * {@link #platformCheck()}.
     */
    public static SymmetricLinearAlgebra forCurrentBackend() {
        SymmetricLinearAlgebra result = chosen;
        if (result == null) {
            synchronized (LinearAlgebras.class) {
                if (chosen == null) {
                    chosen = choose();
                }
                result = chosen;
            }
            platformCheck();
        }
        return result;
    }

    /** The portable ND4J implementation ("nd4j"); works on every backend. */
    public static SymmetricLinearAlgebra portable() {
        return PORTABLE;
    }

    /**
     * The direct LAPACK implementation ("lapack").
     *
     * @throws IllegalStateException when the ND4J backend is not the CPU one or the bytedeco
     *                               OpenBLAS binding is missing or does not load
     */
    public static SymmetricLinearAlgebra lapack() {
        requireLapackAvailable();
        return LapackHolder.INSTANCE;
    }

    /** True when {@link #lapack()} would succeed. */
    public static boolean isLapackAvailable() {
        return availability().available();
    }

    /**
     * Runs, once, eigh and spdInverse of {@link #forCurrentBackend()} on 128×128 matrices with a
     * known spectrum, in FLOAT and DOUBLE, and says what went wrong, if anything (the result is
     * cached and a problem is logged once at ERROR level). The known cause on this stack is
     * OpenBLAS 0.3.19's AVX-512 double-precision DTRSM/DTRMM kernels (OpenBLAS issues #3505,
     * #3534), which make every float64 decomposition fail its a-posteriori check; the remedy is
     * to start the JVM with the environment variable {@code OPENBLAS_CORETYPE=Haswell}.
     *
     * @return empty when the kernels pass, otherwise a description of the problem and remedy
     */
    public static Optional<String> platformCheck() {
        Optional<String> result = platformProblem;
        if (result == null) {
            SymmetricLinearAlgebra algebra = forCurrentBackend();
            synchronized (LinearAlgebras.class) {
                if (platformProblem == null) {
                    platformProblem = runSelfTest(algebra);
                    platformProblem.ifPresent(LOG::error);
                }
                result = platformProblem;
            }
        }
        return result;
    }

    /** Throws {@link IllegalStateException} unless the LAPACK path can be used. */
    static void requireLapackAvailable() {
        Availability availability = availability();
        if (!availability.available()) {
            throw new IllegalStateException("The direct LAPACK path (\"" + LapackSymmetricLinearAlgebra.NAME
                    + "\") is unavailable: " + availability.reason()
                    + ". Use LinearAlgebras.portable() or LinearAlgebras.forCurrentBackend().");
        }
    }

    private static SymmetricLinearAlgebra choose() {
        Availability availability = availability();
        if (availability.available()) {
            LOG.info("kron4j linear algebra: using \"{}\" (LAPACKE ?syevd / ?potrf+?potri called directly): {}",
                    LapackSymmetricLinearAlgebra.NAME, availability.reason());
            return LapackHolder.INSTANCE;
        }
        LOG.info("kron4j linear algebra: using the portable \"{}\" path (ND4J syev; eigen-based SPD inverse): "
                + "the direct LAPACK path is unavailable: {}", Nd4jSymmetricLinearAlgebra.NAME, availability.reason());
        return PORTABLE;
    }

    private static Availability availability() {
        Availability result = lapackAvailability;
        if (result == null) {
            synchronized (LinearAlgebras.class) {
                if (lapackAvailability == null) {
                    lapackAvailability = detectLapack();
                }
                result = lapackAvailability;
            }
        }
        return result;
    }

    private static Availability detectLapack() {
        String backend = Nd4j.getBackend().getClass().getName();
        boolean cpuEnvironment = Nd4j.getEnvironment().isCPU();
        if (!CPU_BACKEND.equals(backend) || !cpuEnvironment) {
            return new Availability(false, "the ND4J backend is " + backend + (cpuEnvironment ? "" : " (not a CPU build)")
                    + ", not " + CPU_BACKEND + "; the direct LAPACK calls need host memory");
        }
        try {
            // Initialising the binding class loads its native libraries.
            Class.forName(OPENBLAS_BINDING, true, LinearAlgebras.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return new Availability(false, "the optional dependency org.bytedeco:openblas is not on the class path ("
                    + OPENBLAS_BINDING + " not found)");
        } catch (LinkageError e) {
            return new Availability(false, "the bytedeco OpenBLAS binding did not load: " + e);
        }
        return new Availability(true, "the ND4J backend is the CPU one and " + OPENBLAS_BINDING + " loaded");
    }

    private static Optional<String> runSelfTest(SymmetricLinearAlgebra algebra) {
        List<String> problems = new ArrayList<>();
        int n = SELF_TEST_SIZE;
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            try {
                INDArray a = knownSpectrum(n, dt);
                EigenDecomposition eigen = algebra.eigh(a);
                if (!eigen.succeeded()) {
                    problems.add(eigen.failureReason());
                } else {
                    double tolerance = LinalgSupport.SAFETY * n * LinalgSupport.eps(dt) * n;
                    double[] w = eigen.eigenvalues().toDoubleVector();
                    for (int i = 0; i < n; i++) {
                        if (!(Math.abs(w[i] - (i + 1)) <= tolerance)) {
                            problems.add("eigh(" + dt + " " + n + "×" + n + "): eigenvalue " + i + " is " + w[i]
                                    + ", expected " + (i + 1));
                            break;
                        }
                    }
                }
                SpdInverse inverse = algebra.spdInverse(a);
                if (!inverse.succeeded()) {
                    problems.add(inverse.failureReason());
                }
            } catch (RuntimeException e) {
                problems.add(dt + " self-test threw " + e);
            }
        }
        if (problems.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("kron4j linear algebra: the \"" + algebra.name()
                + "\" kernels failed a self-test on known " + n + "×" + n + " matrices: " + String.join("; ", problems)
                + ". On ND4J's CPU backend on an AVX-512 machine this is the OpenBLAS 0.3.19 SkylakeX DTRSM/DTRMM"
                + " kernel bug (OpenBLAS issues #3505, #3534), which breaks float64 Cholesky and eigensolvers:"
                + " start the JVM with the environment variable OPENBLAS_CORETYPE=Haswell."
                + " Until then every affected decomposition is reported as failed.");
    }

    /**
     * H·diag(1, 2, …, n)·H with the Householder reflection H = I − β·u·uᵀ, β = 2/(uᵀu): a dense
     * symmetric matrix with eigenvalues exactly 1…n (up to rounding to {@code dt}), built in
     * plain Java as D − β·u·(Du)ᵀ − β·(Du)·uᵀ + β²·(uᵀDu)·u·uᵀ.
     */
    static INDArray knownSpectrum(int n, DataType dt) {
        double[] u = new double[n];
        double[] du = new double[n];
        double uu = 0;
        double udu = 0;
        for (int i = 0; i < n; i++) {
            u[i] = 1.0 + (i % 5) - 0.37 * (i % 3);
            du[i] = (i + 1) * u[i];
            uu += u[i] * u[i];
            udu += u[i] * du[i];
        }
        double beta = 2.0 / uu;
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                a[i][j] = (i == j ? i + 1.0 : 0.0) - beta * (u[i] * du[j] + du[i] * u[j])
                        + beta * beta * udu * u[i] * u[j];
                a[j][i] = a[i][j];
            }
        }
        return Nd4j.createFromArray(a).castTo(dt);
    }

    /** Whether the LAPACK path can be used, and why (not). */
    private record Availability(boolean available, String reason) {}

    /** Creates the LAPACK path on first use only, so its class is loaded only when available. */
    private static final class LapackHolder {
        static final SymmetricLinearAlgebra INSTANCE = new LapackSymmetricLinearAlgebra();
    }
}
