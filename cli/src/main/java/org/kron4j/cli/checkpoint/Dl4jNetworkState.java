package org.kron4j.cli.checkpoint;

import java.io.InputStream;
import java.io.OutputStream;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.checkpoint.StateWriter;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What a DL4J {@link MultiLayerNetwork} carries from one {@code fit} call to the next, as one K4JS
 * state: the parameters, DL4J's updater state (Nesterov velocity, Adam moments; absent for
 * {@code NoOp}) and the iteration and epoch counters (Adam's bias correction and learning-rate
 * schedules read them), and the position of ND4J's generator of the training thread, which DL4J's
 * stochastic layers (dropout, noise) draw from and the network's initialisation seeded. Any layer
 * types: the arrays are DL4J's flattened views, checked against the network's lengths on restore.
 */
public final class Dl4jNetworkState {
    static final String KIND = "kron4j-dl4j-network";
    private static final String PARAMS = "dl4j/params";
    private static final String UPDATER = "dl4j/updaterState";

    private Dl4jNetworkState() {
    }

    /** Writes the network's state as one K4JS state (the stream stays open). */
    public static void save(MultiLayerNetwork network, OutputStream out) {
        try (StateWriter writer = new StateWriter(out)) {
            writer.putString("kind", KIND);
            writer.putLong("dl4j/numParams", network.numParams());
            writer.putLong("dl4j/iteration", network.getIterationCount());
            writer.putLong("dl4j/epoch", network.getEpochCount());
            writer.putArray(PARAMS, network.params());
            writer.putArray(UPDATER, updaterState(network));
            writer.putLong("nd4j/random.rootState", Nd4j.getRandom().rootState());
            writer.putLong("nd4j/random.nodeState", Nd4j.getRandom().nodeState());
        }
    }

    /**
     * Restores what {@link #save} wrote into a network of the same configuration.
     *
     * @throws CheckpointFormatException when the state is damaged, not a network's, or of a network
     *     with other parameter or updater-state lengths
     */
    public static void restore(MultiLayerNetwork network, InputStream in) {
        StateReader reader = StateReader.read(in);
        if (!reader.has("kind") || !KIND.equals(reader.getString("kind"))) {
            throw new CheckpointFormatException("not a DL4J network state (kind '" + (reader.has("kind")
                    ? reader.getString("kind") : "none") + "', expected '" + KIND + "')");
        }
        long count = reader.getLong("dl4j/numParams");
        if (count != network.numParams()) {
            throw new CheckpointFormatException("the network state has " + count + " parameters, this network "
                    + network.numParams() + ": it belongs to another model");
        }
        INDArray params = reader.array(PARAMS);
        INDArray current = network.params();
        if (params == null || params.length() != current.length() || params.dataType() != current.dataType()) {
            throw new CheckpointFormatException("'" + PARAMS + "' does not fit this network (" + current.dataType()
                    + " × " + current.length() + ")");
        }
        INDArray savedUpdater = reader.array(UPDATER);
        INDArray updater = updaterState(network);
        if ((savedUpdater == null) != (updater == null) || savedUpdater != null
                && (savedUpdater.length() != updater.length() || savedUpdater.dataType() != updater.dataType())) {
            throw new CheckpointFormatException("'" + UPDATER + "' does not fit this network's updater ("
                    + (updater == null ? "no state" : updater.dataType() + " × " + updater.length()) + ")");
        }
        network.setParams(params.reshape(current.shape()));
        if (updater != null) {
            updater.assign(savedUpdater.reshape(updater.shape()));
        }
        network.setIterationCount(Math.toIntExact(reader.getLong("dl4j/iteration")));
        network.setEpochCount(Math.toIntExact(reader.getLong("dl4j/epoch")));
        Nd4j.getRandom().setStates(reader.getLong("nd4j/random.rootState"), reader.getLong("nd4j/random.nodeState"));
    }

    /** DL4J's updater state view, created if needed; null when the updater keeps no state. */
    private static INDArray updaterState(MultiLayerNetwork network) {
        Updater updater = network.getUpdater(true);
        INDArray view = updater == null ? null : updater.getStateViewArray();
        return view == null || view.length() == 0 ? null : view;
    }
}
