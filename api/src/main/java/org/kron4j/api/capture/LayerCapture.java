package org.kron4j.api.capture;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One layer's part of a step: its gradient and whatever statistics the plan asked for. Arrays
 * are borrowed: the optimizer reads them during {@code step} and keeps no reference afterwards,
 * so an engine may reuse or release them once the step returns.
 */
public final class LayerCapture {
    private final Map<CaptureField, INDArray> fields;

    private LayerCapture(Map<CaptureField, INDArray> fields) {
        this.fields = fields;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A capture holding only a gradient, for plain gradient steps. */
    public static LayerCapture ofGradient(INDArray gradient) {
        return builder().gradient(gradient).build();
    }

    public INDArray gradient() {
        return fields.get(CaptureField.GRADIENT);
    }

    /** The field, or an exception naming it when the engine did not provide it. */
    public INDArray require(CaptureField field) {
        INDArray value = fields.get(field);
        if (value == null) {
            throw new IllegalStateException("the capture lacks " + field
                    + "; the engine must fill every field of the step plan");
        }
        return value;
    }

    public Optional<INDArray> get(CaptureField field) {
        return Optional.ofNullable(fields.get(field));
    }

    public boolean has(CaptureField field) {
        return fields.containsKey(field);
    }

    /** Every field present, for guards that scan them all. */
    public Map<CaptureField, INDArray> fields() {
        return Map.copyOf(fields);
    }

    /** Builds a {@link LayerCapture}; {@link #gradient} is mandatory. */
    public static final class Builder {
        private final Map<CaptureField, INDArray> fields = new EnumMap<>(CaptureField.class);

        private Builder() {
        }

        public Builder gradient(INDArray gradient) {
            return put(CaptureField.GRADIENT, gradient);
        }

        public Builder parameters(INDArray parameters) {
            return put(CaptureField.PARAMETERS, parameters);
        }

        public Builder inputs(INDArray inputs) {
            return put(CaptureField.LAYER_INPUTS, inputs);
        }

        public Builder outputGradients(INDArray outputGradients) {
            return put(CaptureField.OUTPUT_GRADIENTS, outputGradients);
        }

        public Builder activationDerivatives(INDArray derivatives) {
            return put(CaptureField.ACTIVATION_DERIVATIVES, derivatives);
        }

        public Builder put(CaptureField field, INDArray value) {
            if (field.isModelField()) {
                throw new IllegalArgumentException(field + " belongs to the ModelCapture, not a layer");
            }
            fields.put(field, Objects.requireNonNull(value, field.name()));
            return this;
        }

        public LayerCapture build() {
            if (!fields.containsKey(CaptureField.GRADIENT)) {
                throw new IllegalStateException("a layer capture needs its GRADIENT");
            }
            return new LayerCapture(new EnumMap<>(fields));
        }
    }
}
