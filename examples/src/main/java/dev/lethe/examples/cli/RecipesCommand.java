package dev.lethe.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.unlearn.recipe.Recipe;
import dev.lethe.unlearn.recipe.Recipes;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe recipes [--json]}: every unlearning recipe with its paper, summary and defaults (its own settings; the
 * training settings every recipe shares are listed once). {@code --json} prints one array with, per recipe, name,
 * paper, summary, its own defaults and every setting it takes ({@link Recipe#settings()}).
 */
@Command(name = "recipes", mixinStandardHelpOptions = true,
        description = "List the unlearning recipes with their papers and default settings.")
public final class RecipesCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "Print a JSON array instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ArrayNode arr = m.createArrayNode();
            for (Recipe r : Recipes.all()) {
                ObjectNode o = arr.addObject();
                o.put("name", r.name());
                o.put("paper", r.paper());
                o.put("summary", r.summary());
                ObjectNode d = o.putObject("defaults");
                r.defaults().forEach(d::put);
                ObjectNode all = o.putObject("settings");
                r.settings().asMap().forEach(all::put);
            }
            out.println(m.writeValueAsString(arr));
        } else {
            for (Recipe r : Recipes.all()) {
                out.printf("%-10s %-17s %s%n", r.name(), r.paper(), r.summary());
                if (!r.defaults().isEmpty()) {
                    out.println("           defaults: " + join(r.defaults()));
                }
            }
            out.println();
            out.println("every recipe also takes (shared defaults): " + join(Recipes.COMMON));
            out.println("override with --set key=value or a --recipe-file (YAML/JSON) in 'lethe unlearn'");
        }
        out.flush();
        return 0;
    }

    private static String join(Map<String, String> m) {
        return m.entrySet().stream().map(e -> e.getKey() + "=" + (e.getValue().isEmpty() ? "''" : e.getValue()))
                .collect(Collectors.joining(" "));
    }
}
