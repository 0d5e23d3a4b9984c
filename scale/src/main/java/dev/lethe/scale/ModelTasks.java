package dev.lethe.scale;

import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The shape every distributed evaluation shares: jobs 0..n-1 as one Spark task each, each loading the model and the
 * tokenizer on its executor (so both must be readable there) and returning its part; the parts come back in job order
 * for the driver to assemble exactly as the single-process runner does.
 */
final class ModelTasks {
    /** Job j's part, computed with the model and tokenizer of the task; null when the input has nothing for it. */
    @FunctionalInterface
    interface Job extends Serializable {
        Serializable run(int j, CausalLM model, Tokenizer tokenizer) throws Exception;
    }

    private ModelTasks() {
    }

    /** Runs jobs 0..jobs-1, one task each, and returns their parts in job order. */
    static List<Serializable> run(JavaSparkContext sc, String modelDir, String tokenizerFile, int jobs, Job job) {
        return sc.parallelize(IntStream.range(0, jobs).boxed().toList(), Math.max(1, jobs)).map(j -> {
            try (Tokenizer tok = Tokenizers.load(Path.of(tokenizerFile))) {
                return job.run(j, CausalLM.load(Path.of(modelDir)), tok);
            }
        }).collect();
    }
}
