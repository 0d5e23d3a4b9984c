package dev.lethe.transformer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Small hand-written tokenizer.json files for the model types the shared fixtures lack (WordPiece with BERT
 * normalizer and [CLS]/[SEP] template; Unigram, whose vocabulary is a list), with ids worked out by hand.
 */
class HandBuiltTokenizerTest {

    static final String WORDPIECE = """
        {"version": "1.0", "truncation": null, "padding": null,
         "added_tokens": [
           {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
           {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
           {"id": 2, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
           {"id": 3, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
         "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                        "strip_accents": null, "lowercase": true},
         "pre_tokenizer": {"type": "BertPreTokenizer"},
         "post_processor": {"type": "TemplateProcessing",
           "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                      {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
           "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                    {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                    {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
           "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                              "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
         "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                   "max_input_chars_per_word": 100,
                   "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "un": 4, "##aff": 5, "##able": 6,
                             "hello": 7, ",": 8, "world": 9, "!": 10}}}
        """;

    @Test
    void wordPiece() {
        try (HfTokenizer t = HfTokenizer.fromJson(WORDPIECE, "wordpiece test", null)) {
            // lowercase -> "unaffable hello, world!" -> un ##aff ##able | hello | , | world | !
            assertThat(t.encode("Unaffable Hello, world!", false)).containsExactly(4, 5, 6, 7, 8, 9, 10);
            assertThat(t.encode("Unaffable Hello, world!", true)).containsExactly(2, 4, 5, 6, 7, 8, 9, 10, 3);
            // "zebra" has no pieces -> [UNK]; "unable" = un + ##able
            assertThat(t.encode("zebra unable", false)).containsExactly(1, 4, 6);
            assertThat(t.decode(new int[] {2, 4, 5, 6, 7, 3}, true)).isEqualTo("unaffable hello");
            assertThat(t.bosId()).hasValue(2); // guessed: [CLS]
            assertThat(t.eosId()).hasValue(3); // [SEP]
            assertThat(t.padId()).hasValue(0);
            assertThat(t.unkId()).hasValue(1);
            assertThat(t.vocabSize()).isEqualTo(11);
        }
    }

    static final String UNIGRAM = """
        {"version": "1.0", "truncation": null, "padding": null,
         "added_tokens": [{"id": 0, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false,
                           "normalized": false, "special": true}],
         "normalizer": null,
         "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": true},
         "post_processor": null,
         "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": true},
         "model": {"type": "Unigram", "unk_id": 0, "byte_fallback": false,
                   "vocab": [["<unk>", 0.0], ["\u2581", -2.0], ["a", -3.0], ["b", -3.0], ["\u2581ab", -1.0],
                             ["\u2581a", -2.5], ["ab", -4.0]]}}
        """;

    @Test
    void unigramListVocabulary() {
        try (HfTokenizer t = HfTokenizer.fromJson(UNIGRAM, "unigram test", null)) {
            assertThat(t.vocabSize()).isEqualTo(7);
            assertThat(t.tokenToId("\u2581ab")).hasValue(4);
            assertThat(t.idToToken(6)).hasValue("ab");
            // "ab" -> "▁ab": best path is the single piece ▁ab (-1) over ▁a+b (-5.5), ▁+ab (-6), ▁+a+b (-8).
            assertThat(t.encode("ab", false)).containsExactly(4);
            // "a" -> "▁a" (-2.5) beats ▁ + a (-5).
            assertThat(t.encode("ab a", false)).containsExactly(4, 5);
            assertThat(t.decode(new int[] {4, 5}, true)).isEqualTo("ab a");
            assertThat(t.unkId()).hasValue(0);
        }
    }
}
