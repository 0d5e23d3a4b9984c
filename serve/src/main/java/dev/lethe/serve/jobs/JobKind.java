package dev.lethe.serve.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;

/**
 * A kind of model-changing job the {@link JobService} can run: unlearning ({@link UnlearnJobKind}), knowledge editing
 * ({@link EditJobKind}), ... A kind validates a job's JSON spec when it is submitted and runs it: it reads the base model folder and writes
 * the changed model as a Hugging Face folder into {@code Context.out()}. Work it can resume after a crash belongs in
 * {@code Context.work()}, which survives restarts. Adding a kind is one class plus one line in
 * {@link JobKinds#standard}.
 */
public interface JobKind {
    /** The {@code kind} field of specs this kind runs, e.g. "unlearn". */
    String name();

    /** Checks a spec, its gate included; throws IllegalArgumentException naming the wrong field and the fix. */
    void validate(JsonNode spec);

    /** Runs a job to completion, reporting progress in [0, 1]; stops (throwing) once {@code cancelled} says so. */
    Result run(Context ctx) throws Exception;

    /**
     * What a job sees.
     *
     * @param baseModel the served model's folder when the job was submitted
     * @param spec      the job's validated JSON spec
     * @param work      a folder for checkpoints and logs, the same after a restart
     * @param out       where the changed model must be written (a Hugging Face folder)
     * @param progress  receives progress in [0, 1]
     * @param cancelled true once the job was cancelled
     */
    record Context(Path baseModel, JsonNode spec, Path work, Path out, DoubleConsumer progress,
                   BooleanSupplier cancelled) {
    }

    /**
     * What a job did: details for the audit trail and the job's metrics (method, settings, sha256 of its data, ...),
     * and the spec's promotion gate bound to the job's data (null when the spec has none).
     */
    record Result(Map<String, Object> details, Gate gate) {
    }
}
