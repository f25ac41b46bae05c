package org.kron4j.tribuo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kron4j.api.Kron4j;
import org.tribuo.Model;
import org.tribuo.Trainer;
import org.tribuo.classification.Label;
import org.tribuo.regression.Regressor;

/**
 * Test 2 of the Tribuo issue: the Tribuo XML configuration shipped with the README builds and
 * runs every kron4j component (K-FAC and EKFAC in the Kronecker trainers, Shampoo in Tribuo's
 * linear and factorization-machine trainers, classification and regression), and a file with a
 * bad value fails at lookup with a {@link PropertyException} naming the field and kron4j's range.
 *
 * <p>Quality bars are sanity bars, far from what the configurations reach: 0.85 test accuracy on
 * iris (chance is 0.33; every run measured 0.93 or more), and a test MSE below 0.8 on the
 * standardised wine-alcohol regression (predicting the mean scores 1.0; measured 0.3–0.5).
 */
class ConfigurationFileTest {
    private static final String GOOD = "/org/kron4j/tribuo/kfac-logistic-regression.xml";
    private static final String BAD = "/org/kron4j/tribuo/bad-values.xml";

    private static void assumeVariants(String... names) {
        for (String name : names) {
            assumeTrue(Kron4j.variants().find(name).isPresent(), name + " is not on the class path");
        }
    }

    @SuppressWarnings("unchecked")
    @ParameterizedTest(name = "{0}")
    @CsvSource({"kfac-logistic-regression, kfac", "ekfac-logistic-regression, ekfac",
            "shampoo-logistic-regression, shampoo", "shampoo-factorization-machine, shampoo"})
    void classificationComponent_buildsAndTrains(String component, String variant) {
        assumeVariants(variant);
        ConfigurationManager manager = new ConfigurationManager(GOOD);
        Trainer<Label> trainer = (Trainer<Label>) manager.lookup(component);
        TribuoData.Split<Label> iris = TribuoData.classification("iris", 11);
        Model<Label> model = trainer.train(iris.train());
        assertThat(TribuoData.accuracy(model, iris.test())).isGreaterThan(0.85);
        assertThat(model.getProvenance().toString()).contains("variant=" + variant);
    }

    @SuppressWarnings("unchecked")
    @ParameterizedTest(name = "{0}")
    @CsvSource({"kfac-linear-regression, kfac", "shampoo-linear-regression, shampoo", "shampoo-fm-regression, shampoo"})
    void regressionComponent_buildsAndTrains(String component, String variant) {
        assumeVariants(variant);
        ConfigurationManager manager = new ConfigurationManager(GOOD);
        Trainer<Regressor> trainer = (Trainer<Regressor>) manager.lookup(component);
        TribuoData.Split<Regressor> wine = TribuoData.regression("wine", 11);
        Model<Regressor> model = trainer.train(component.contains("fm") ? TribuoData.spread(wine.train(), 60)
                : wine.train());
        assertThat(TribuoData.meanSquaredError(model, wine.test())).isLessThan(0.8);
    }

    @Test
    void kfacOptimiser_fromFile_hasTheFilesValuesAndDefaultsForTheRest() {
        Kron4jOptimiser kfac = (Kron4jOptimiser) new ConfigurationManager(GOOD).lookup("kfac");
        assertThat(kfac.effectiveSettings())
                .containsEntry("learningRate", "0.25").containsEntry("damping", "0.3")
                .containsEntry("dampingMode", "eigen").containsEntry("tInv", "5")
                .containsEntry("targets", "mc_fisher").containsEntry("statisticsDecay", "0.95");
    }

    @Test
    void kroneckerTrainer_withNothingSet_usesKfacWithItsDefaults() {
        Object trainer = new ConfigurationManager(GOOD).lookup("defaults");
        assertThat(trainer.toString()).startsWith("KroneckerClassificationTrainer(objective=LogMulticlass")
                .contains("Kron4jOptimiser(variant=kfac,").contains("tCov=10").contains("minibatchSize=16");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "negative-damping    | settings   | settings[damping]: damping must be in [0, ∞), got -1.0",
            "zero-tcov           | settings   | settings[tCov]: tCov must be in [1, ∞], got 0",
            "unknown-variant     | variant    | unknown variant 'kfca'; available:",
            "unknown-targets     | settings   | settings[targets]: targets must be one of [mc_fisher, empirical, exact], got 'fisher'",
            "bad-variant-setting | settings   | settings[epsilon]: epsilon must be in (0, ∞), got 0",
            "hinge-with-mc-fisher| objective  | use targets=empirical"})
    void badValue_failsNamingTheField(String component, String field, String message) {
        if (component.equals("bad-variant-setting")) {
            assumeVariants("shampoo");
        }
        ConfigurationManager manager = new ConfigurationManager(BAD);
        Throwable thrown = catchThrowable(() -> manager.lookup(component));
        assertThat(thrown).isInstanceOf(PropertyException.class).hasMessageContaining(message);
        assertThat(((PropertyException) thrown).getProperty()).isEqualTo(field);
    }
}
