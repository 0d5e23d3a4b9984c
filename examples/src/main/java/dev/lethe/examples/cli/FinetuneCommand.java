package dev.lethe.examples.cli;

import dev.lethe.transformer.model.CausalLM;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.FinetuneJob;
import dev.lethe.unlearn.job.TrainingRun;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lethe finetune --model DIR --data FILE.jsonl --out DIR [--template plain|raw|"...{question}..."]
 * [--set k=v]...}: supervised fine-tuning ({@link FinetuneJob}) on question/answer records (loss on answer tokens
 * only) or plain text records ({@code {"text": ...}}, loss on every token); saves a Hugging Face folder and
 * metrics.jsonl. Settings are {@link FinetuneJob#defaults()} (lr 1e-5, 5 epochs, ...) overridden by {@code --set}.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tune a model on question/answer or plain text records.")
public final class FinetuneCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model folder.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "JSON lines: TOFU question/answer, LUME/SemEval id,input,output,task or {\"text\": ...}.")
    Path data;

    @Option(names = "--template", paramLabel = "T", description = "Prompt template: plain (\"Question: ...\\nAnswer:\"),"
            + " raw (no template) or a pattern containing {question} (default: plain).")
    String template;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a training setting (repeatable), e.g."
            + " lr=1e-4 epochs=3 batch_size=8 max_steps=100.")
    List<String> sets = new ArrayList<>();

    @Mixin
    TrainingOutput output;

    @Override
    public Integer call() throws IOException {
        Settings s = FinetuneJob.defaults();
        if (template != null) {
            if (!template.contains("{question}") && !template.equals("plain") && !template.equals("raw")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--template must be plain, raw or a"
                        + " pattern containing {question}, got '" + template + "'");
            }
            s = s.with(java.util.Map.of("template", template));
        }
        s = s.with(sets);
        CausalLM lm = UnlearnCommandSupport.loadModel(model, "--model");
        List<QaRecord> records = UnlearnCommandSupport.readRecords(data, "--data");
        try (TrainingOutput.Run run = output.openFresh("lethe finetune", model)) {
            TrainingRun.Outcome o = FinetuneJob.run(new FinetuneJob.Inputs(lm, run.tokenizer(), records, s,
                    output.out, output.progress(), null));
            output.printSummary(spec.commandLine().getOut(), "finetune on " + records.size() + " records", o.steps(),
                    o.lastMetrics());
        }
        return 0;
    }
}
