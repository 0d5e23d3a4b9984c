package dev.lethe.examples.cli;

import dev.lethe.eval.report.ModelChecksum;
import dev.lethe.eval.semeval.LumeItem;
import dev.lethe.eval.semeval.SemEvalFiles;
import dev.lethe.eval.semeval.SemEvalReport;
import dev.lethe.eval.semeval.SemEvalRunner;
import dev.lethe.eval.semeval.SemEvalScorer;
import dev.lethe.scale.DistributedSemEval;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code lethe eval --benchmark semeval}: SemEval-2025 Task 4 ({@link SemEvalScorer}): score saved predictions, or
 * generate them (and MIA NLLs) with the model.
 */
final class EvalSemEval implements EvalBenchmark {
    @Option(names = "--predictions", paramLabel = "FILE", description = "semeval: saved generations, JSONL lines"
            + " {\"id\": ..., \"generation\": ...} for every item of --data; scores them without a model.")
    Path predictions;

    @Option(names = "--mia", paramLabel = "FILE", description = "semeval: saved MIA NLLs, JSONL lines {\"id\": ...,"
            + " \"member\": true|false, \"nll\": 1.23}.")
    Path miaFile;

    @Option(names = "--mia-data", paramLabel = "DIR", description = "semeval with --model: folder with the official"
            + " member.jsonl and nonmember.jsonl ({\"id\", \"document\"}); their NLLs give the MIA score.")
    Path miaData;

    @Option(names = "--mmlu-accuracy", paramLabel = "X", description = "semeval: MMLU average accuracy in [0, 1]"
            + " (e.g. the accuracy of 'lethe eval --benchmark mmlu').")
    Double mmluAccuracy;

    @Override
    public List<String> names() {
        return List.of("semeval");
    }

    @Override
    public int run(EvalCommand e) throws IOException {
        Path dir = e.requireData("DIR (a LUME folder with forget.jsonl and retain.jsonl)");
        if (predictions == null) {
            e.requireModel();
        } else if (e.model != null) {
            throw new CommandLine.ParameterException(e.spec.commandLine(),
                    "give either --model (generate) or"
                    + " --predictions (score saved generations), not both");
        }
        if (predictions != null && e.master != null) {
            throw new CommandLine.ParameterException(e.spec.commandLine(), "--master spreads the model's work;"
                    + " scoring --predictions needs no model: drop --master");
        }
        if (miaFile != null && miaData != null) {
            throw new CommandLine.ParameterException(e.spec.commandLine(),
                    "give either --mia (saved NLLs) or --mia-data"
                    + " (documents for the model), not both");
        }
        if (miaData != null && e.model == null) {
            throw new CommandLine.ParameterException(e.spec.commandLine(),
                    "--mia-data needs --model; with --predictions"
                    + " give saved NLLs with --mia FILE");
        }
        List<List<LumeItem>> sets = SemEvalFiles.readData(dir);
        List<LumeItem> f = e.cut(sets.get(0));
        List<LumeItem> r = e.cut(sets.get(1));
        int maxNew = e.maxNewTokensOption == null ? SemEvalRunner.MAX_NEW_TOKENS : e.maxNewTokensOption;
        Map<String, String> gens;
        SemEvalScorer.MiaNlls mia = miaFile == null ? null : SemEvalFiles.readMia(miaFile);
        ModelChecksum sum = null;
        if (predictions != null) {
            gens = SemEvalFiles.readPredictions(predictions);
        } else {
            List<String> mem = null;
            List<String> non = null;
            if (miaData != null) {
                mem = e.cut(SemEvalFiles.readDocuments(miaData.resolve("member.jsonl")));
                non = e.cut(SemEvalFiles.readDocuments(miaData.resolve("nonmember.jsonl")));
            }
            SemEvalRunner.Outputs outputs;
            if (e.master != null) {
                try (JavaSparkContext sc = e.spark()) {
                    outputs = DistributedSemEval.run(sc, e.model.toAbsolutePath().toString(), e.tokenizerPath(),
                            e.batch, maxNew, e.maxLength, f, r, mem, non);
                }
            } else {
                try (Tokenizer tok = e.openTokenizer(e.model)) {
                    outputs = new SemEvalRunner(CausalLM.load(e.model), tok, e.batch, maxNew, e.maxLength,
                            e.progress()).run(f, r, mem, non);
                }
            }
            gens = outputs.generations();
            if (miaData != null) {
                mia = outputs.mia();
            }
            sum = ModelChecksum.of(e.model);
        }
        SemEvalScorer.Result res = SemEvalScorer.score(f, r, gens, mia, mmluAccuracy);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("benchmark", e.benchmark);
        s.put("data", dir.toString());
        s.put("predictions", predictions == null ? null : predictions.toString());
        s.put("mia", miaFile != null ? miaFile.toString() : miaData == null ? null : miaData.toString());
        s.put("mmlu_accuracy", mmluAccuracy);
        s.put("limit", e.limit);
        if (e.model != null) {
            s.put("max_new_tokens", maxNew);
            s.put("max_length", e.maxLength);
            s.put("batch", e.batch);
            s.put("tokenizer", e.tokenizer == null ? e.model.toString() : e.tokenizer.toString());
        }
        if (res.mmluBelowThreshold()) {
            e.spec.commandLine().getErr().println("warning: MMLU " + res.mmlu() + " is below "
                    + SemEvalScorer.MMLU_THRESHOLD + "; SemEval-2025 did not rank such submissions");
        }
        return e.finish(SemEvalReport.build(res, e.model, sum, s));
    }
}
