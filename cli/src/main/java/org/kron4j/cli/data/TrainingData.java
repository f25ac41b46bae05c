package org.kron4j.cli.data;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A data set ready for training: float32 matrices for the training and the held-out part, and
 * the rows the training loss is evaluated on after a run.
 *
 * @param name        the canonical data set name ("digits", "mnist", …)
 * @param description one line for reports: source, sizes, preprocessing
 * @param trainX      N×d inputs
 * @param trainY      N×k targets: one-hot labels, or the inputs themselves for an autoencoder
 * @param testX       held-out inputs
 * @param testY       held-out targets
 * @param evalX       the training rows the final training loss is measured on (all of them up to
 *                    a limit, so that the measure stays cheap on MNIST)
 * @param evalY       their targets
 * @param classes     C, the number of classes (for classifiers)
 */
public record TrainingData(String name, String description, INDArray trainX, INDArray trainY, INDArray testX,
        INDArray testY, INDArray evalX, INDArray evalY, int classes) {

    public int features() {
        return (int) trainX.columns();
    }

    public int trainSize() {
        return (int) trainX.rows();
    }

    public int testSize() {
        return (int) testX.rows();
    }
}
