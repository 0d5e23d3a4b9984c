package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.unlearn.recipe.Recipe;
import dev.lethe.unlearn.recipe.Recipes;
import org.junit.jupiter.api.Test;

/** {@code lethe recipes}: every recipe with its paper and defaults, as text and as JSON. */
class RecipesCommandTest {
    @Test
    void textListsEveryRecipeWithPaperAndDefaults() {
        CliRun r = CliRun.of("recipes");
        assertThat(r.code()).as(r.err()).isZero();
        for (Recipe rec : Recipes.all()) {
            assertThat(r.out()).contains(rec.name()).contains(rec.paper()).contains(rec.summary());
        }
        assertThat(r.out()).contains("beta=0.1").contains("steering=6.5").contains("lr=1e-5");
    }

    @Test
    void jsonHasEveryRecipeAndItsResolvedSettings() throws Exception {
        CliRun r = CliRun.of("recipes", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode arr = new ObjectMapper().readTree(r.out());
        assertThat(arr.size()).isEqualTo(Recipes.all().size()).isEqualTo(26);
        JsonNode npo = null;
        for (JsonNode n : arr) {
            if (n.get("name").asText().equals("npo")) {
                npo = n;
            }
        }
        assertThat(npo).isNotNull();
        assertThat(npo.get("paper").asText()).isEqualTo("arXiv 2404.05868");
        assertThat(npo.get("defaults").get("beta").asText()).isEqualTo("0.1");
        assertThat(npo.get("settings").get("lr").asText()).isEqualTo("1e-5");
        assertThat(npo.get("settings").get("beta").asText()).isEqualTo("0.1");
    }
}
