package dev.lethe.examples.lume;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LumeStudyTest {
    @Test
    void tableHasOneRowPerRecipeWithEveryColumnAndTheCommand() {
        Map<String, Double> after = new LinkedHashMap<>();
        after.put("forget_regurgitation", 0.5);
        after.put("forget_knowledge", 0.25);
        after.put("retain_regurgitation", 0.75);
        after.put("retain_knowledge", 0.125);
        after.put("forget_score", 0.6);
        after.put("utility", 0.2);
        after.put("task_aggregate", 0.3);
        after.put("mia_auc", 0.9);
        after.put("mia_score", 0.2);
        after.put("final_score_without_mmlu", 0.25);
        Map<String, Double> rel = Map.of("forget_regurgitation", 0.875, "forget_knowledge", 0.0001);
        String md = LumeStudy.markdown(List.of(new LumeStudy.Row("(target, before)", after, null, 0),
                new LumeStudy.Row("npo", after, rel, 12.4)), "./lethe study --benchmark lume");
        assertThat(md).contains("| (target, before) | 0.500 | 0.250 | 0.750 | 0.125 | 0.600 | 0.200 | 0.300 | 0.900"
                + " | 0.200 | 0.250 | - | - | - |", "| npo | 0.500 | 0.250 | 0.750 | 0.125 | 0.600 | 0.200 | 0.300"
                + " | 0.900 | 0.200 | 0.250 | 0.875 | 1.00e-04 | 12 |", "Made by `./lethe study --benchmark lume`");
        assertThat(md.lines().findFirst().orElseThrow().split("\\|")).hasSize(LumeStudy.COLUMNS.length + 3);
    }

    @Test
    void sharedSettingsAreTheTofuStudysWithTheRawTemplateAndTheWholeContext() {
        List<String> tofu = dev.lethe.examples.demo.Demo.UNLEARN_SETTINGS;
        assertThat(LumeStudy.UNLEARN_SETTINGS).hasSize(tofu.size() + 1).endsWith("template=raw")
                .contains("max_length=256").doesNotContain("max_length=192");
        for (String s : tofu) {
            if (!s.startsWith("max_length=")) {
                assertThat(LumeStudy.UNLEARN_SETTINGS).contains(s);
            }
        }
    }
}
