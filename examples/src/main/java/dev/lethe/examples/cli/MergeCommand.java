package dev.lethe.examples.cli;

import dev.lethe.transformer.model.LoraAdapter;
import dev.lethe.transformer.model.CausalLM;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe merge --model DIR --adapter DIR --out DIR}: folds a LoRA adapter (PEFT layout, from Lethe or PEFT) into
 * its base model, W + s B A per adapted layer ({@link LoraAdapter#mergeInto}), and saves a plain Hugging Face folder
 * (config.json and tokenizer files carried over from --model).
 */
@Command(name = "merge", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Merge a LoRA adapter into its base model and save a Hugging Face folder.")
public final class MergeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Base Hugging Face model folder.")
    Path model;

    @Option(names = "--adapter", required = true, paramLabel = "DIR",
            description = "LoRA adapter folder (adapter_config.json + adapter_model.safetensors).")
    Path adapter;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder for the merged model.")
    Path out;

    @Override
    public Integer call() throws IOException {
        CausalLM base = UnlearnCommandSupport.loadModel(model, "--model");
        LoraAdapter lora = LoraAdapter.load(adapter, base);
        lora.mergeInto(base).save(out);
        spec.commandLine().getOut().printf("merged %d LoRA layers (r=%d, scale %.4g) into %s: %s%n",
                lora.targetWeights().size(), lora.config().rank(), lora.config().scale(), model, out);
        return 0;
    }
}
