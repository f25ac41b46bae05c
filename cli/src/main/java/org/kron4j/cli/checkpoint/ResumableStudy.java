package org.kron4j.cli.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.cli.BadInputException;
import org.kron4j.cli.ablation.AblationConfig;

/**
 * A stopped study's partial folder checked before anything in it is used: its {@link StudyRecord}
 * is whole, its config.json is the one the study started with (same SHA-256), and this kron4j reads
 * that config back to the very same text (else the checkpoints could meet a different study).
 *
 * @param record the study's record
 * @param config the study's configuration
 */
public record ResumableStudy(StudyRecord record, AblationConfig config) {

    /**
     * Reads and checks a partial folder.
     *
     * @throws BadInputException saying why the folder cannot be resumed
     */
    public static ResumableStudy open(Path partial, VariantRegistry registry) throws IOException {
        StudyRecord record;
        try {
            record = StudyRecord.read(partial);
        } catch (NoSuchFileException e) {
            throw new BadInputException(partial + " is not a kron4j study: it has no " + StudyRecord.FILE
                    + " (a folder of a command killed before its study started holds nothing to resume; delete it)");
        } catch (CheckpointFormatException e) {
            throw new BadInputException(partial + " is not a kron4j study: " + e.getMessage());
        }
        Path configJson = partial.resolve("config.json");
        if (!Files.isRegularFile(configJson)) {
            throw new BadInputException(partial + " has no config.json: not a kron4j study folder");
        }
        String text = Files.readString(configJson, StandardCharsets.UTF_8);
        if (!StudyCheckpoints.digest(text).equals(record.digest())) {
            throw new BadInputException(configJson + " does not match the study that ran there (its SHA-256 differs "
                    + "from the one in " + StudyRecord.FILE + "): it was edited or replaced, and the checkpoints "
                    + "cannot be used with it");
        }
        AblationConfig config = AblationConfig.read(configJson, registry);
        if (!StudyCheckpoints.digest(config.toJson()).equals(record.digest())) {
            throw new BadInputException(configJson + " reads back differently in this kron4j version (a setting or "
                    + "default changed): resume the study with the version that started it");
        }
        return new ResumableStudy(record, config);
    }
}
