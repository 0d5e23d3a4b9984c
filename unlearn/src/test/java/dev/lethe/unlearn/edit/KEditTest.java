package dev.lethe.unlearn.edit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** K-Edit's contextual-edit derivation on a hand-made graph, every expected edit written out by hand. */
class KEditTest {
    static final Map<String, KnowledgeGraph.Relation> RELATIONS = Map.of(
            "performer", new KnowledgeGraph.Relation("performer", "{} was performed by", "performer"),
            "citizen", new KnowledgeGraph.Relation("citizen", "{} is a citizen of", "country of citizenship"),
            "capital", new KnowledgeGraph.Relation("capital", "The capital of {} is", "capital"),
            "spouse", new KnowledgeGraph.Relation("spouse", "{} is married to", "spouse"));

    static KnowledgeGraph graph() {
        return new KnowledgeGraph(RELATIONS, List.of(
                new KnowledgeGraph.Triple("Hey Jude", "performer", "The Beatles"),
                new KnowledgeGraph.Triple("Madonna", "citizen", "USA"),
                new KnowledgeGraph.Triple("Madonna", "spouse", "Guy Ritchie"),
                new KnowledgeGraph.Triple("USA", "capital", "Washington"),
                new KnowledgeGraph.Triple("Guy Ritchie", "spouse", "Madonna"),
                new KnowledgeGraph.Triple("The Beatles", "citizen", "UK")));
    }

    static final EditRequest EDIT = new EditRequest("{} was performed by", "Hey Jude", "Madonna", "The Beatles",
            "performer", null);

    @Test
    void twoHopEditsChainTheEditedRelationWithTheNewObjectsFacts() {
        List<EditRequest> got = KEdit.contextualEdits(List.of(EDIT), graph().withEdits(List.of(EDIT)),
                EditSettings.defaults());
        assertThat(got).extracting(EditRequest::text, EditRequest::targetNew).containsExactly(
                org.assertj.core.groups.Tuple.tuple("The performer of Hey Jude is a citizen of", "USA"),
                org.assertj.core.groups.Tuple.tuple("The performer of Hey Jude is married to", "Guy Ritchie"));
        assertThat(got.get(0).subject()).isEqualTo("Hey Jude");
        assertThat(got.get(0).origin()).isEqualTo("kedit: (Hey Jude, performer, Madonna) + (Madonna, citizen, USA)");
    }

    @Test
    void threeHopsFollowFurtherAndNeverReturnToAVisitedEntity() {
        List<EditRequest> got = KEdit.contextualEdits(List.of(EDIT), graph(), EditSettings.defaults()
                .with("kgHops", "3"));
        assertThat(got).extracting(EditRequest::text).containsExactly(
                "The performer of Hey Jude is a citizen of",
                "The capital of the country of citizenship of the performer of Hey Jude is",
                "The performer of Hey Jude is married to");
        // (Guy Ritchie, spouse, Madonna) would return to Madonna: not followed
    }

    @Test
    void keptRelationsFilterThePaths() {
        List<EditRequest> got = KEdit.contextualEdits(List.of(EDIT), graph(), EditSettings.defaults()
                .with("kgRelations", "spouse"));
        assertThat(got).extracting(EditRequest::targetNew).containsExactly("Guy Ritchie");
    }

    @Test
    void graphAfterEditsReplacesTheOldObject() {
        KnowledgeGraph g = graph().withEdits(List.of(EDIT));
        assertThat(g.factsAbout("Hey Jude")).containsExactly(new KnowledgeGraph.Triple("Hey Jude", "performer",
                "Madonna"));
    }

    @Test
    void unknownRelationIsAClearError(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> new KnowledgeGraph(RELATIONS, List.of(new KnowledgeGraph.Triple("a", "founder", "b"))))
                .hasMessageContaining("uses relation 'founder', which has no template").hasMessageNotContaining("\n");
        Path f = dir.resolve("kg.jsonl");
        Files.writeString(f, "{\"relation\": \"spouse\", \"template\": \"{} is married to\", \"label\": \"spouse\"}\n"
                + "{\"subject\": \"a\", \"relation\": \"boss\", \"object\": \"b\"}\n");
        assertThatThrownBy(() -> EditFiles.readGraph(f, null)).hasMessageStartingWith(f.toString())
                .hasMessageContaining("relation 'boss'");
        assertThatThrownBy(() -> KEdit.contextualEdits(List.of(EditRequest.of("{} plays", "X", "Y")), graph(),
                EditSettings.defaults())).hasMessageContaining("give relation_id");
    }

    @Test
    void mquakeRecordsGiveEditsAndGraph() throws Exception {
        Path data = dev.lethe.engine.testing.SharedFiles.path("data/mquake/MQuAKE-hard.json");
        List<EditRequest> edits = EditFiles.readEdits(data);
        assertThat(edits).hasSize(329 * 4);
        assertThat(edits.get(0)).isEqualTo(new EditRequest("{} was performed by", "Hey Jude", "Madonna",
                "The Beatles", "P175", "requested"));
        KnowledgeGraph kg = EditFiles.readGraph(data,
                dev.lethe.engine.testing.SharedFiles.path("data/mquake/prompts/templates/cloze_templates.json"));
        assertThat(kg.factsAbout("Hey Jude")).contains(new KnowledgeGraph.Triple("Hey Jude", "P175", "The Beatles"));
        assertThat(kg.relation("P175").template()).isEqualTo("{} was performed by");
        assertThat(kg.relation("P175").label()).isEqualTo("performer");
    }
}
