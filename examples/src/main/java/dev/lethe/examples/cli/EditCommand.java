package dev.lethe.examples.cli;

import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.edit.EditFiles;
import dev.lethe.unlearn.edit.EditMethod;
import dev.lethe.unlearn.edit.EditRequest;
import dev.lethe.unlearn.edit.EditRun;
import dev.lethe.unlearn.edit.EditSettings;
import dev.lethe.unlearn.edit.Editor;
import dev.lethe.unlearn.edit.KnowledgeGraph;
import dev.lethe.unlearn.edit.SecondMoments;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe edit --model DIR --method rome|memit|kedit --edits FILE [--kg FILE [--kg-templates FILE]]
 * [--layers L,...] --stats-corpus FILE [--set k=v]... --out DIR}: knowledge editing with {@link Editor}; writes the
 * edited model and edits.json (every applied edit, K-Edit's contextual ones marked) atomically to DIR.
 */
@Command(name = "edit", mixinStandardHelpOptions = true,
        description = "Edit facts in a model with ROME, MEMIT or K-Edit (MEMIT + knowledge-graph contextual edits).")
public final class EditCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model folder.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer (default: the model folder's).")
    Path tokenizer;

    @Option(names = "--method", defaultValue = "memit", paramLabel = "NAME", description = "rome, memit or kedit.")
    String method;

    @Option(names = "--edits", required = true, paramLabel = "FILE", description = "MQuAKE records (their"
            + " requested_rewrite), CounterFact records, or JSONL {\"prompt\": \"{} was performed by\", \"subject\","
            + " \"target_new\", \"target_true\"?, \"relation_id\"?}.")
    Path edits;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only the first N edits (0: all).")
    int limit;

    @Option(names = "--kg", paramLabel = "FILE", description = "kedit: MQuAKE records (their orig triples) or JSONL"
            + " triples {\"subject\", \"relation\", \"object\"} and relations {\"relation\", \"template\", \"label\"}.")
    Path kg;

    @Option(names = "--kg-templates", paramLabel = "FILE", description = "kedit with MQuAKE records: MQuAKE's"
            + " prompts/templates/cloze_templates.json.")
    Path kgTemplates;

    @Option(names = "--layers", split = ",", paramLabel = "L,...", description = "Edited layers (default: GPT-J's"
            + " relative depth: ROME 5/28, MEMIT 3..8/28 of the layers).")
    int[] layers;

    @Option(names = "--stats-corpus", required = true, paramLabel = "FILE", description = "Texts for the second-moment"
            + " statistics C = E[kkᵀ]: JSONL {\"text\": ...} or plain lines.")
    Path statsCorpus;

    @Option(names = "--stats-cache", paramLabel = "DIR", description = "Where statistics are cached (default:"
            + " DIR/edit-stats next to the model when writable, else ~/.cache/lethe/edit-stats).")
    Path statsCache;

    @Option(names = "--set", paramLabel = "k=v", description = "Edit setting (valueSteps, valueLr, klFactor,"
            + " weightDecay, clampNormFactor, momentWeight, prefixes, klPrompt, statsTexts, statsMaxTokens, kgHops,"
            + " kgRelations); repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (must not exist or be"
            + " empty).")
    Path out;

    @Override
    public Integer call() throws IOException {
        EditSettings settings = EditSettings.defaults().withMethod(EditMethod.parse(method));
        if (layers != null) {
            settings = settings.withLayers(layers);
        }
        for (String kv : sets) {
            int eq = kv.indexOf('=');
            if (eq < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--set " + kv + ": write key=value");
            }
            settings = settings.with(kv.substring(0, eq).trim(), kv.substring(eq + 1));
        }
        List<EditRequest> requests = EditFiles.readEdits(edits);
        if (limit > 0 && limit < requests.size()) {
            requests = requests.subList(0, limit);
        }
        KnowledgeGraph graph = kg == null ? null : EditFiles.readGraph(kg, kgTemplates);
        List<String> corpus = EditFiles.readTexts(statsCorpus);
        PrintWriter err = spec.commandLine().getErr();
        CausalLM m = CausalLM.load(model);
        try (Tokenizer tok = Tokenizers.load(tokenizer != null ? tokenizer : model)) {
            SecondMoments moments = new SecondMoments(cacheDir(), (done, total) -> {
                if (done == total || done % Math.max(1, total / 20) == 0) {
                    err.printf("\rstatistics %d/%d texts", done, total);
                    if (done == total) {
                        err.println();
                    }
                    err.flush();
                }
            });
            Editor.Result result = new Editor(tok, corpus, moments, graph).edit(m, requests, settings);
            EditRun.write(result, settings, out);
            long contextual = result.edits().stream().filter(e -> !e.request().origin().equals("requested")).count();
            spec.commandLine().getOut().printf(
                    "%s: %d edit(s) (%d contextual), statistics %.1f s, edits %.1f s -> %s%n",
                    method, result.edits().size(), contextual, result.statsSeconds(), result.editSeconds(), out);
        }
        return 0;
    }

    private Path cacheDir() {
        if (statsCache != null) {
            return statsCache;
        }
        if (Files.isWritable(model)) {
            return model.resolve("edit-stats");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "lethe", "edit-stats");
    }
}
