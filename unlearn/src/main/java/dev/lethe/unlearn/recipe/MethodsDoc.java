package dev.lethe.unlearn.recipe;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes docs/methods.md from the recipe registry's own metadata ({@link Recipe#paper()}, {@link Recipe.Method}): for
 * every recipe the paper (arXiv id, linked), the equation it implements in one line, and the one class and method
 * that implement it (linked to the source file). A test compares the committed file with this output, so the
 * document cannot drift from {@code ./lethe recipes}; a new recipe only adds its metadata in {@link Recipes}.
 */
public final class MethodsDoc {
    private static final Pattern ARXIV = Pattern.compile("arXiv (\\d{4}\\.\\d{4,5})");

    private MethodsDoc() {
    }

    /** The arXiv id in a recipe's {@code paper} field ("arXiv 2404.05868" gives "2404.05868"). */
    public static String arxivId(Recipe r) {
        Matcher m = ARXIV.matcher(r.paper());
        if (!m.find()) {
            throw new IllegalArgumentException("recipe '" + r.name() + "': paper \"" + r.paper() + "\" has no arXiv id;"
                    + " write it as \"arXiv NNNN.NNNNN\" in Recipes");
        }
        return m.group(1);
    }

    /** The source file of a class, relative to the repository root (module from the package: dev.lethe.MODULE...). */
    public static String sourcePath(Class<?> c) {
        String module = c.getPackageName().split("\\.")[2];
        return module + "/src/main/java/" + c.getName().replace('.', '/') + ".java";
    }

    /** The whole of docs/methods.md. */
    public static String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("# Methods: from the paper to the code\n\n");
        b.append("Generated from the recipe registry (`Recipes`, the list `./lethe recipes` prints) by `MethodsDoc`;\n");
        b.append("`MethodsDocTest` fails when this file differs from it. To change a row, change the recipe's metadata\n");
        b.append("in `unlearn/src/main/java/dev/lethe/unlearn/recipe/Recipes.java`, then regenerate with\n");
        b.append("`mvn -B -o -pl unlearn -am verify -Dtest=MethodsDocTest -Dsurefire.failIfNoSpecifiedTests=false"
                + " -Dlethe.writeDocs=true`.\n\n");
        b.append("Notation: D_f / D_r forget / retain sets, NLL the mean token cross-entropy, pi_ref the frozen model,\n");
        b.append("g_f / g_r the forget / retain gradients, stopgrad a detached factor. Update rules (SAM, smoothing,\n");
        b.append("penalties, bi-level, primal-dual, weight averaging) are named by the recipe that uses them.\n\n");
        b.append("| recipe | paper | equation | implemented in |\n");
        b.append("| --- | --- | --- | --- |\n");
        for (Recipe r : Recipes.all()) {
            Recipe.Method m = r.method();
            String id = arxivId(r);
            b.append("| `").append(r.name()).append("` | [arXiv ").append(id).append("](https://arxiv.org/abs/")
                    .append(id).append(") | `").append(m.equation().replace("|", "\\|")).append("` | [`")
                    .append(m.implementation().getSimpleName()).append('.').append(m.member()).append("`](../")
                    .append(sourcePath(m.implementation())).append(") |\n");
        }
        return b.toString();
    }
}
