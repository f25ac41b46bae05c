package org.kron4j.api.optim.transform;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.kron4j.api.capture.CaptureField;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Transforms run in order, each on the previous one's output, as one transaction: every staged
 * state change is committed after the last stage, or none when a stage rejects the step
 * (optax's {@code chain}).
 */
public final class TransformChain {
    private final List<UpdateTransform> transforms;

    public TransformChain(List<? extends UpdateTransform> transforms) {
        this.transforms = List.copyOf(transforms);
    }

    public static TransformChain of(UpdateTransform... transforms) {
        return new TransformChain(List.of(transforms));
    }

    public List<UpdateTransform> transforms() {
        return transforms;
    }

    /** The union of the stages' {@link UpdateTransform#requiredFields()}. */
    public Set<CaptureField> requiredFields() {
        Set<CaptureField> fields = EnumSet.noneOf(CaptureField.class);
        transforms.forEach(t -> fields.addAll(t.requiredFields()));
        return fields;
    }

    /** Whether any stage {@link UpdateTransform#mayRejectSteps()}. */
    public boolean mayRejectSteps() {
        return transforms.stream().anyMatch(UpdateTransform::mayRejectSteps);
    }

    /** Whether any stage {@link UpdateTransform#mayRejectAt} this step. */
    public boolean mayRejectAt(long step) {
        return transforms.stream().anyMatch(t -> t.mayRejectAt(step));
    }

    /**
     * Runs every stage on {@code context.gradients()} and commits the staged changes.
     *
     * @return the final updates, or the rejection (then nothing was committed)
     */
    public Outcome run(UpdateContext context) {
        List<INDArray> updates = context.gradients();
        for (UpdateTransform transform : transforms) {
            updates = transform.update(updates, context);
            if (context.isRejected()) {
                return new Outcome(List.of(), context.rejection().orElseThrow());
            }
            if (updates.size() != context.gradients().size()) {
                throw new IllegalStateException(transform.name() + " returned " + updates.size() + " arrays for "
                        + context.gradients().size() + " layers");
            }
        }
        context.commit();
        return new Outcome(updates, null);
    }

    @Override
    public String toString() {
        return transforms.stream().map(UpdateTransform::name).collect(Collectors.joining(" → ", "chain(", ")"));
    }

    /**
     * The result of {@link #run}.
     *
     * @param updates   the final updates, one per layer; empty when rejected
     * @param rejection why a stage rejected the step; null when committed
     */
    public record Outcome(List<INDArray> updates, String rejection) {
        public Outcome {
            updates = List.copyOf(updates);
        }

        public boolean committed() {
            return rejection == null;
        }

        public Optional<String> rejected() {
            return Optional.ofNullable(rejection);
        }
    }
}
