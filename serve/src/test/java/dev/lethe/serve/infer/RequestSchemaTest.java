package dev.lethe.serve.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.serve.http.ApiError;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The request schemas: valid bodies pass; each kind of violation is a 400 naming the offending top-level field. */
class RequestSchemaTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final RequestSchema CHAT = RequestSchema.load("/schema/chat-completions.json");
    static final RequestSchema COMPLETIONS = RequestSchema.load("/schema/completions.json");

    static JsonNode body(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    @Test
    void validBodiesPass() throws Exception {
        assertThatCode(() -> CHAT.check(body("{'model':'m','messages':[{'role':'user','content':[{'type':'text',"
                + "'text':'hi'}]},{'role':'assistant','content':null}],'n':3,'stop':['a','b'],'top_p':0.5,"
                + "'logprobs':true,'top_logprobs':2,'decoding':'cd','alpha':0.2,'unknown_field':1}"))).doesNotThrowAnyException();
        assertThatCode(() -> COMPLETIONS.check(body("{'model':'m','prompt':[1,2,3],'logprobs':3,'seed':null}")))
                .doesNotThrowAnyException();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{'messages':[{'role':'user','content':'x'}]}|model",
            "{'model':'m','messages':[{'role':'user','content':5}]}|messages",
            "{'model':'m','messages':[{'role':'user','content':[{'type':'image_url'}]}]}|messages",
            "{'model':'m','messages':[{'role':'user','content':'x'}],'stop':['a','b','c','d','e']}|stop",
            "{'model':'m','messages':[{'role':'user','content':'x'}],'stop':''}|stop",
            "{'model':'m','messages':[{'role':'user','content':'x'}],'top_p':0}|top_p",
            "{'model':'m','messages':[{'role':'user','content':'x'}],'seed':1.5}|seed",
            "{'model':'m','messages':[{'role':'user','content':'x'}],'top_logprobs':21}|top_logprobs",
            "{'model':'m','messages':[{'role':'user','content':'x'}],'stream':'yes'}|stream"})
    void chatViolationsNameTheField(String json, String field) throws Exception {
        ApiError e = catchThrowableOfType(() -> CHAT.check(body(json)), ApiError.class);
        assertThat(e).as(json).isNotNull();
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.body(JSON).path("error").path("param").asText()).isEqualTo(field);
        assertThat(e.getMessage()).contains(field).doesNotContain("\n");
    }

    @Test
    void messagesSayWhatIsWrong() throws Exception {
        assertThat(catchThrowableOfType(() -> CHAT.check(body("{'model':'m','messages':[{'role':'user','content':'x'}],"
                + "'stop':['a','b','c','d','e']}")), ApiError.class)).hasMessage("$.stop: must have at most 4 items but"
                + " found 5");
        assertThat(catchThrowableOfType(() -> CHAT.check(body("{'model':'m','messages':[{'role':'wizard'}]}")),
                ApiError.class)).hasMessageContaining("$.messages[0].role").hasMessageContaining("enumeration");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"{'model':'m','prompt':[-1]}|prompt", "{'model':'m','prompt':['a','b']}|prompt",
            "{'model':'m','prompt':'x','logprobs':true}|logprobs", "{'model':'m'}|prompt"})
    void completionViolationsNameTheField(String json, String field) throws Exception {
        ApiError e = catchThrowableOfType(() -> COMPLETIONS.check(body(json)), ApiError.class);
        assertThat(e).as(json).isNotNull();
        assertThat(e.body(JSON).path("error").path("param").asText()).isEqualTo(field);
    }
}
