package dev.lethe.unlearn.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * docs/methods.md is exactly what {@link MethodsDoc} generates from the registry, and the registry's metadata is
 * true: every recipe names an arXiv id, and its implementing class exists in the named module's sources and declares
 * the named method.
 */
class MethodsDocTest {
    /** The repository root: the first ancestor of the working directory holding docs/ and unlearn/pom.xml. */
    private static Path repositoryRoot() {
        for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("docs")) && Files.isRegularFile(d.resolve("unlearn/pom.xml"))) {
                return d;
            }
        }
        throw new IllegalStateException("no ancestor of " + Paths.get("").toAbsolutePath() + " holds docs/ and"
                + " unlearn/pom.xml; run the test inside the repository");
    }

    @Test
    void everyRecipeNamesItsPaperAndAnExistingImplementation() {
        Path root = repositoryRoot();
        for (Recipe r : Recipes.all()) {
            assertThat(MethodsDoc.arxivId(r)).as(r.name()).matches("\\d{4}\\.\\d{4,5}");
            Class<?> c = r.method().implementation();
            assertThat(Arrays.stream(c.getDeclaredMethods()).map(Method::getName))
                    .as(r.name() + ": " + c.getSimpleName() + " declares " + r.method().member()).contains(r.method().member());
            assertThat(root.resolve(MethodsDoc.sourcePath(c))).as(r.name()).isRegularFile();
        }
    }

    @Test
    void docsMethodsMdIsGeneratedFromTheRegistry() throws IOException {
        Path file = repositoryRoot().resolve("docs/methods.md");
        String want = MethodsDoc.markdown();
        if (Boolean.getBoolean("lethe.writeDocs")) {
            Files.writeString(file, want, StandardCharsets.UTF_8);
        }
        assertThat(file).as("docs/methods.md is missing; regenerate it (see its header or MethodsDoc)").isRegularFile();
        assertThat(Files.readString(file, StandardCharsets.UTF_8))
                .as("docs/methods.md differs from the recipe registry; regenerate it with -Dlethe.writeDocs=true"
                        + " (command in MethodsDoc's output header)")
                .isEqualTo(want);
        assertThat(want).contains("| `npo` | [arXiv 2404.05868](https://arxiv.org/abs/2404.05868) |",
                "[`Npo.loss`](../unlearn/src/main/java/dev/lethe/unlearn/objective/Npo.java)");
    }
}
