package org.kron4j.api.capture;

import java.util.EnumSet;
import java.util.Set;

/**
 * What the optimizer needs from the engine for its next step: the capture fields, and for output
 * gradients which targets to back-propagate. Engines ask for the plan before the step's backward
 * pass and fill exactly these fields of the {@link ModelCapture}.
 *
 * @param step         the index of the step this plan is for (0-based, counting steps taken)
 * @param fields       the fields the capture must hold; always contains {@link CaptureField#GRADIENT}
 * @param targets      which targets produce the output gradients when they are requested
 */
public record StepPlan(long step, Set<CaptureField> fields, TargetSource targets) {

    public StepPlan {
        fields = Set.copyOf(fields.isEmpty() ? EnumSet.of(CaptureField.GRADIENT) : fields);
        if (!fields.contains(CaptureField.GRADIENT)) {
            EnumSet<CaptureField> withGradient = EnumSet.copyOf(fields);
            withGradient.add(CaptureField.GRADIENT);
            fields = Set.copyOf(withGradient);
        }
    }

    public boolean needs(CaptureField field) {
        return fields.contains(field);
    }

    /**
     * True on steps where curvature statistics are collected (anything beyond gradients,
     * parameters, the batch loss and the batch oracle).
     */
    public boolean collectsStatistics() {
        return fields.stream().anyMatch(f -> f != CaptureField.GRADIENT && f != CaptureField.PARAMETERS
                && f != CaptureField.BATCH_LOSS && f != CaptureField.BATCH_ORACLE);
    }
}
