package dev.lethe.examples.cli;

import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.TokenizerException;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.JsonLines;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.data.TextRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code unlearn}, {@code relearn} and {@code finetune} share: loading the model and tokenizer with clear errors,
 * reading training records in whichever format the file holds, and printing the run's summary.
 */
final class UnlearnCommandSupport {
    private UnlearnCommandSupport() {
    }

    static CausalLM loadModel(Path dir, String option) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": no such folder; " + option
                    + " takes a Hugging Face model folder (config.json + safetensors)");
        }
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalArgumentException(dir + ": no config.json; " + option
                    + " takes a Hugging Face model folder (config.json + safetensors)");
        }
        return CausalLM.load(dir);
    }

    /** The tokenizer from {@code --tokenizer}, else the model folder's. */
    static Tokenizer loadTokenizer(Path tokenizer, Path model) {
        if (tokenizer != null) {
            if (!Files.exists(tokenizer)) {
                throw new IllegalArgumentException(tokenizer + ": no such file or folder (--tokenizer)");
            }
            return Tokenizers.load(tokenizer);
        }
        try {
            return Tokenizers.load(model);
        } catch (TokenizerException e) {
            throw new IllegalArgumentException("no tokenizer found in " + model + " (" + e.getMessage()
                    + "); pass --tokenizer PATH", e);
        }
    }

    /**
     * Question/answer records from a JSON Lines (or JSON array) file, detected by the fields of its first record:
     * TOFU's {@code question}/{@code answer}, LUME/SemEval's {@code id,input,output,task}, or plain {@code text}.
     */
    static List<QaRecord> readRecords(Path file, String option) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file (" + option + ")");
        }
        List<JsonLines.Row> rows = JsonLines.read(file);
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(file + ": no records (" + option + ")");
        }
        JsonLines.Row first = rows.get(0);
        var node = first.node();
        if (node.has("question")) {
            return QaRecord.read(file);
        }
        if (node.has("output") || node.has("text")) {
            List<QaRecord> out = new ArrayList<>();
            for (TextRecord t : TextRecord.read(file)) {
                out.add(t.asQa());
            }
            return out;
        }
        List<String> fields = new ArrayList<>();
        node.fieldNames().forEachRemaining(fields::add);
        throw new IllegalArgumentException(file + " line " + first.line() + ": record has fields " + fields + "; "
                + option + " expects TOFU question/answer records, LUME/SemEval id,input,output,task records or"
                + " plain {\"text\": ...} records");
    }

    /** {@code steps N, loss/forget 1.2345 ...}: the step count and every loss of the last metrics line. */
    static void printSummary(PrintWriter out, String what, long steps, Map<String, Object> last, Path dir) {
        StringBuilder sb = new StringBuilder(what).append(": ").append(steps).append(" steps");
        last.forEach((k, v) -> {
            if (k.startsWith("loss") && v instanceof Number n) {
                sb.append(", ").append(k).append(' ').append(String.format(Locale.ROOT, "%.6g", n.doubleValue()));
            }
        });
        out.println(sb);
        out.println("wrote " + dir.toAbsolutePath());
        out.flush();
    }
}
