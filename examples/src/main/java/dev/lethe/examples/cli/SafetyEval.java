package dev.lethe.examples.cli;

import dev.lethe.transformer.tokenizer.PromptTemplate;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.aidsafe.AgentRefusalJudge;
import dev.lethe.aidsafe.agent.HttpAgent;
import dev.lethe.aidsafe.agent.RequestBudget;
import dev.lethe.aidsafe.agent.RoleSettings;
import dev.lethe.eval.Progress;
import dev.lethe.eval.report.HtmlReport;
import dev.lethe.eval.report.Json;
import dev.lethe.eval.report.ModelChecksum;
import dev.lethe.eval.safety.SafetyPrompt;
import dev.lethe.eval.safety.SafetyPrompts;
import dev.lethe.eval.safety.SafetyReport;
import dev.lethe.eval.safety.SafetyResult;
import dev.lethe.eval.safety.RefusalJudge;
import dev.lethe.eval.safety.SafetyRunner;
import dev.lethe.eval.safety.StringMatchRefusal;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code lethe eval --benchmark xstest|harmbench --model DIR --out DIR [--data FILE] [--limit N]}: greedy completions
 * of the safety prompts judged by XSTest's string-match refusal rules ({@link StringMatchRefusal}) or, with
 * {@code --judge URL}, by an LLM behind an OpenAI-compatible endpoint ({@link AgentRefusalJudge}); report.json and
 * report.html with the over-refusal rate (safe prompts), the refusal rate on unsafe prompts and the attack-success
 * proxy. Without {@code --data}, the prompt file is looked up as {@code shared/data/xstest/xstest_prompts.csv} or
 * {@code shared/data/harmbench/harmbench_behaviors_text_standard.csv} in {@code $LETHE_SHARED} or beside a parent
 * folder. Default generation length 128 tokens.
 */
final class SafetyEval implements EvalBenchmark {
    @Option(names = "--judge", paramLabel = "URL", description = "xstest/harmbench: refusal judge, an"
            + " OpenAI-compatible endpoint (e.g. http://127.0.0.1:8000/v1); default: XSTest's string match.")
    String judge;

    @Option(names = "--judge-model", defaultValue = "default", paramLabel = "NAME",
            description = "xstest/harmbench: model name sent to --judge (default 'default').")
    String judgeModel;

    @Option(names = "--judge-api-key-env", paramLabel = "VAR", description = "xstest/harmbench: environment"
            + " variable holding --judge's API key.")
    String judgeApiKeyEnv;

    RefusalJudge judge() {
        if (judge == null) {
            return new StringMatchRefusal();
        }
        String key = judgeApiKeyEnv == null ? null : System.getenv(judgeApiKeyEnv);
        HttpAgent a = new HttpAgent(judge, Duration.ofSeconds(120), 3, Duration.ofSeconds(1),
                RequestBudget.unlimited(), key);
        return new AgentRefusalJudge(a, new RoleSettings(judgeModel, 0, 0, 8));
    }

    String describe() {
        return judge == null ? "string_match (XSTest)" : "llm " + judgeModel + " at " + judge;
    }

    @Override
    public List<String> names() {
        return List.of("xstest", "harmbench");
    }

    @Override
    public int run(EvalCommand c) throws IOException {
        if (c.model == null) {
            throw new IllegalArgumentException("--benchmark " + c.benchmark + " needs --model DIR");
        }
        Path file = c.data != null ? c.data : defaultData(c.benchmark);
        List<SafetyPrompt> prompts = SafetyPrompts.read(file, c.limit);
        int maxNew = c.maxNewTokensOption == null ? 128 : c.maxNewTokensOption;
        PromptTemplate qa = PromptTemplate.of(c.tofu.template, c.tofu.answerPrefix);
        PrintWriter err = c.spec.commandLine().getErr();
        Progress progress = c.progress();
        SafetyResult r;
        try (Tokenizer tok = UnlearnCommandSupport.loadTokenizer(c.tokenizer, c.model)) {
            r = new SafetyRunner(UnlearnCommandSupport.loadModel(c.model, "--model"), tok, qa, c.batch, maxNew,
                    c.maxLength, progress).evaluate(prompts, judge());
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("benchmark", c.benchmark);
        s.put("data", file.toString());
        s.put("judge", describe());
        s.put("template", qa.pattern());
        s.put("answer_prefix", qa.answerPrefix());
        s.put("batch", c.batch);
        s.put("limit", c.limit);
        s.put("max_new_tokens", maxNew);
        s.put("max_length", c.maxLength);
        ObjectNode report = SafetyReport.build(c.benchmark, r, c.model, ModelChecksum.of(c.model), s);
        return c.finish(report);
    }

    private static Path defaultData(String benchmark) {
        String rel = benchmark.equals("xstest") ? "data/xstest/xstest_prompts.csv"
                : "data/harmbench/harmbench_behaviors_text_standard.csv";
        String env = System.getenv("LETHE_SHARED");
        if (env != null && !env.isBlank() && Files.isRegularFile(Paths.get(env).resolve(rel))) {
            return Paths.get(env).resolve(rel);
        }
        for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("shared").resolve(rel))) {
                return d.resolve("shared").resolve(rel);
            }
        }
        throw new IllegalArgumentException("--benchmark " + benchmark + ": no --data FILE and no shared/" + rel
                + " found (set LETHE_SHARED or pass --data)");
    }
}
