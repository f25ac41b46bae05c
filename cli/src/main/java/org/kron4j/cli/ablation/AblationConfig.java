package org.kron4j.cli.ablation;

import org.kron4j.cli.BadInputException;
import org.kron4j.cli.data.DataCatalog;
import org.kron4j.cli.engine.ModelShape;
import org.kron4j.cli.engine.ReferenceEngine;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kron4j.api.registry.VariantRegistry;

/**
 * Everything that defines an ablation, with every default made explicit: what config.json holds
 * and what {@code kron4j ablate --config} reruns. Immutable; {@link #check()} validates the
 * fields that do not need the data (which {@code ModelShape.resolve} checks against).
 *
 * @param data         canonical data set name
 * @param dataDir      folder of MNIST / Fashion-MNIST; null for the default cache folders
 * @param model        model text ("64-128-128-10", "autoencoder", …), resolved against the data
 * @param activation   hidden activation name
 * @param engine       "dl4j" or "reference" ("testkit", its former name, is read as "reference")
 * @param batch        examples per step, drawn uniformly with replacement: a constant or a growth
 *                     schedule
 * @param steps        the fixed step budget of every run
 * @param target       the training loss the steps and seconds to target are measured against
 * @param window       the target is reached when the mean of the last {@code window} batch
 *                     losses is at most {@code target}
 * @param seeds        one run per method (and swept learning rate) per seed; the seed sets the
 *                     initial weights, the batches and the MC Fisher samples
 * @param testFraction held-out fraction of the UCI sets
 * @param splitSeed    seed of the UCI sets' stratified split (the same for every run)
 * @param evalExamples at most this many training examples for the final training loss
 * @param threads      native (OpenMP / BLAS) threads of ND4J's kernels during the runs
 * @param methods      the methods, in report order
 */
public record AblationConfig(String data, String dataDir, String model, String activation, String engine,
        BatchSchedule batch, int steps, double target, int window, List<Long> seeds, double testFraction, long splitSeed, int evalExamples,
        int threads, List<MethodConfig> methods) {

    public static final String FORMAT = "kron4j-ablate/1";
    public static final List<String> ENGINES = List.of("dl4j", "reference", "spark");
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AblationConfig.class);
    public static final int DEFAULT_BATCH = 256;
    /** The autoencoder's default batch, that of Martens &amp; Grosse's (2015) MNIST autoencoder. */
    public static final int AUTOENCODER_BATCH = 1000;
    public static final int DEFAULT_STEPS = 80;
    public static final double CLASSIFIER_TARGET = 0.05;
    public static final double AUTOENCODER_TARGET = 100.0;
    public static final int DEFAULT_WINDOW = 10;
    public static final List<Long> DEFAULT_SEEDS = List.of(1L, 2L, 3L);
    public static final double DEFAULT_TEST_FRACTION = 0.2;
    public static final int DEFAULT_EVAL_EXAMPLES = 10_000;
    public static final int DEFAULT_THREADS = 1;

    public AblationConfig {
        seeds = List.copyOf(seeds);
        methods = List.copyOf(methods);
        engine = engine(engine);
    }

    /** With a constant batch size. */
    public AblationConfig(String data, String dataDir, String model, String activation, String engine, int batchSize,
            int steps, double target, int window, List<Long> seeds, double testFraction, long splitSeed,
            int evalExamples, int threads, List<MethodConfig> methods) {
        this(data, dataDir, model, activation, engine, BatchSchedule.constant(batchSize), steps, target, window, seeds,
                testFraction, splitSeed, evalExamples, threads, methods);
    }

    /** The engine name with the former name "testkit" read as "reference" (and a log line saying so). */
    public static String engine(String name) {
        if (name != null && name.trim().equalsIgnoreCase("testkit")) {
            LOG.info("engine 'testkit' is now called 'reference' (kron4j's ReferenceMlp); using 'reference'");
            return "reference";
        }
        return name;
    }

    /** The batch size of the first step (the only one for a constant schedule). */
    public int batchSize() {
        return batch.from();
    }

    public boolean autoencoder() {
        return ModelShape.isAutoencoder(model);
    }

    /**
     * Checks every field that does not need the data.
     *
     * @throws BadInputException naming the first problem
     */
    public AblationConfig check() {
        DataCatalog.canonical(data);
        if (!ENGINES.contains(engine)) {
            throw new BadInputException("unknown engine '" + engine + "'; known: " + String.join(", ", ENGINES));
        }
        ModelShape.activation(activation);
        if (ModelShape.isCnn(model) && engine.equals(ReferenceEngine.NAME)) {
            throw new BadInputException(ReferenceEngine.CNN_REFUSAL);
        }
        if (batch == null) {
            throw new BadInputException("no batch size");
        }
        positive("steps", steps);
        positive("window", window);
        if (window > steps) {
            throw new BadInputException("the target window (" + window + " steps) is longer than the budget (" + steps
                    + " steps): no run could reach the target");
        }
        if (!(target > 0) || !Double.isFinite(target)) {
            throw new BadInputException("target must be a positive training loss, got " + target);
        }
        if (seeds.isEmpty()) {
            throw new BadInputException("no seeds: give e.g. --seeds 1,2,3");
        }
        if (new HashSet<>(seeds).size() != seeds.size()) {
            throw new BadInputException("seeds " + seeds + " repeat a seed");
        }
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new BadInputException("testFraction must be in (0, 1), got " + testFraction);
        }
        positive("evalExamples", evalExamples);
        if (threads < 1 || threads > 256) {
            throw new BadInputException("threads must be in [1, 256], got " + threads);
        }
        if (methods.isEmpty()) {
            throw new BadInputException("no methods to compare");
        }
        Set<String> labels = new HashSet<>();
        for (MethodConfig m : methods) {
            if (!labels.add(m.label())) {
                throw new BadInputException("two methods are labelled '" + m.label() + "'; labels must be unique");
            }
        }
        return this;
    }

    private static void positive(String what, int value) {
        if (value < 1) {
            throw new BadInputException(what + " must be at least 1, got " + value);
        }
    }

    /** The number of training runs: one per method, swept rate and seed. */
    public int runCount() {
        return methods.stream().mapToInt(m -> m.learningRates().size()).sum() * seeds.size();
    }

    // ---------------------------------------------------------------- JSON

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<String> FIELDS = List.of("format", "data", "dataDir", "model", "activation", "engine",
            "batchSize", "steps", "target", "window", "seeds", "testFraction", "splitSeed", "evalExamples", "threads",
            "methods");

    /** config.json: every field, every method with every setting. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("data", data);
        if (dataDir == null) {
            root.putNull("dataDir");
        } else {
            root.put("dataDir", dataDir);
        }
        root.put("model", model);
        root.put("activation", activation);
        root.put("engine", engine);
        if (batch.isConstant()) {
            root.put("batchSize", batch.from());
        } else {
            root.put("batchSize", batch.toString());
        }
        root.put("steps", steps);
        root.put("target", target);
        root.put("window", window);
        ArrayNode seedArray = root.putArray("seeds");
        seeds.forEach(seedArray::add);
        root.put("testFraction", testFraction);
        root.put("splitSeed", splitSeed);
        root.put("evalExamples", evalExamples);
        root.put("threads", threads);
        ArrayNode methodArray = root.putArray("methods");
        for (MethodConfig m : methods) {
            ObjectNode node = methodArray.addObject();
            node.put("label", m.label());
            node.put("method", m.method());
            ObjectNode settings = node.putObject("settings");
            m.settings().forEach(settings::put);
        }
        try {
            return JSON.writeValueAsString(root) + System.lineSeparator();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write config.json", e);
        }
    }

    /**
     * Reads a config.json. Every field must be present and of its type, no unknown field is
     * allowed, and every method is resolved against the registry exactly as written (no presets).
     *
     * @throws BadInputException for a missing or unreadable file, malformed JSON, a missing,
     *     unknown or mistyped field, or a method the registry cannot resolve
     */
    public static AblationConfig read(Path file, VariantRegistry registry) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new BadInputException("config file " + file + " does not exist");
        } catch (IOException e) {
            throw new BadInputException("cannot read config file " + file + ": " + e.getMessage());
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new BadInputException("config file " + file + " is not valid JSON: "
                    + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr());
        }
        String where = "config file " + file;
        if (root == null || !root.isObject()) {
            throw new BadInputException(where + " must hold a JSON object");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new BadInputException(where + ": unknown field '" + name + "'; known: " + FIELDS);
            }
        }
        for (String name : FIELDS) {
            if (!root.has(name)) {
                throw new BadInputException(where + ": field '" + name + "' is missing");
            }
        }
        String format = text(root, "format", where, false);
        if (!FORMAT.equals(format)) {
            throw new BadInputException(where + ": format '" + format + "' is not " + FORMAT);
        }
        String model = text(root, "model", where, false);
        JsonNode seedNode = root.get("seeds");
        if (!seedNode.isArray()) {
            throw new BadInputException(where + ": 'seeds' must be an array of integers");
        }
        List<Long> seeds = new ArrayList<>();
        for (JsonNode s : seedNode) {
            if (!s.isIntegralNumber() || !s.canConvertToLong()) {
                throw new BadInputException(where + ": 'seeds' must be an array of integers, got " + s);
            }
            seeds.add(s.asLong());
        }
        JsonNode methodNode = root.get("methods");
        if (!methodNode.isArray()) {
            throw new BadInputException(where + ": 'methods' must be an array");
        }
        List<MethodConfig> methods = new ArrayList<>();
        for (JsonNode m : methodNode) {
            methods.add(method(m, where, registry, ModelShape.isAutoencoder(model)));
        }
        AblationConfig config = new AblationConfig(DataCatalog.canonical(text(root, "data", where, false)),
                text(root, "dataDir", where, true), model, text(root, "activation", where, false),
                text(root, "engine", where, false), batch(root, where), integer(root, "steps", where),
                number(root, "target", where), integer(root, "window", where), seeds,
                number(root, "testFraction", where), longValue(root, "splitSeed", where),
                integer(root, "evalExamples", where), integer(root, "threads", where), methods);
        return config.check();
    }

    private static MethodConfig method(JsonNode node, String where, VariantRegistry registry, boolean autoencoder) {
        if (!node.isObject()) {
            throw new BadInputException(where + ": every method must be an object with label, method and settings");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!List.of("label", "method", "settings").contains(name)) {
                throw new BadInputException(where + ": unknown method field '" + name
                        + "'; known: label, method, settings");
            }
        }
        String label = text(node, "label", where, false);
        String method = text(node, "method", where, false);
        JsonNode settingsNode = node.get("settings");
        if (settingsNode == null || !settingsNode.isObject()) {
            throw new BadInputException(where + ": method '" + label + "' needs a 'settings' object");
        }
        Map<String, String> settings = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = settingsNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new BadInputException(where + ": setting '" + e.getKey() + "' of '" + label
                        + "' must be a string, number or boolean");
            }
            settings.put(e.getKey(), e.getValue().asText());
        }
        return MethodConfig.resolve(label, method, settings, registry, autoencoder, false);
    }

    private static BatchSchedule batch(JsonNode root, String where) {
        JsonNode value = root.get("batchSize");
        if (value != null && value.isTextual()) {
            try {
                return BatchSchedule.parse(value.asText());
            } catch (BadInputException e) {
                throw new BadInputException(where + ": 'batchSize': " + e.getMessage());
            }
        }
        return BatchSchedule.constant(integer(root, "batchSize", where));
    }

    private static String text(JsonNode node, String field, String where, boolean nullable) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (nullable) {
                return null;
            }
            throw new BadInputException(where + ": '" + field + "' must be a string");
        }
        if (!value.isTextual()) {
            throw new BadInputException(where + ": '" + field + "' must be a string, got " + value);
        }
        return value.asText();
    }

    private static int integer(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new BadInputException(where + ": '" + field + "' must be an integer, got " + value);
        }
        return value.asInt();
    }

    private static long longValue(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new BadInputException(where + ": '" + field + "' must be an integer, got " + value);
        }
        return value.asLong();
    }

    private static double number(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isNumber()) {
            throw new BadInputException(where + ": '" + field + "' must be a number, got " + value);
        }
        return value.asDouble();
    }
}
