package dev.lethe.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.examples.demo.DemoData;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java snippet in README.md ("Using Lethe from Java"), taken from the file as it is, compiles against the
 * modules and runs in a fresh JVM on the demo's small target model and forget/retain data: it prints ROUGE-L recall
 * before and after and saves the unlearned model.
 */
class ReadmeJavaSnippetTest {

    @TempDir
    Path tmp;

    static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("README.md"))) {
            p = p.getParent();
        }
        assertThat(p).as("README.md above " + Path.of("").toAbsolutePath()).isNotNull();
        return p;
    }

    /** The first ```java block after the heading "## Using Lethe from Java". */
    static String snippet(String readme) {
        int section = readme.indexOf("\n## Using Lethe from Java\n");
        assertThat(section).as("README section 'Using Lethe from Java'").isPositive();
        Matcher m = Pattern.compile("```java\n(.*?)\n```", Pattern.DOTALL).matcher(readme);
        assertThat(m.find(section)).as("a java block in that section").isTrue();
        return m.group(1) + "\n";
    }

    @Test
    void readmeSnippetCompilesAndRuns() throws Exception {
        Path root = repositoryRoot();
        String code = snippet(Files.readString(root.resolve("README.md")));
        Path src = tmp.resolve("src/UnlearnQuickstart.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, code);
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        java.io.ByteArrayOutputStream diag = new java.io.ByteArrayOutputStream();
        int rc = javac.run(null, diag, diag, "-proc:none", "-classpath", cp, "-d", classes.toString(), src.toString());
        assertThat(rc).as(diag.toString(StandardCharsets.UTF_8)).isZero();

        Path work = tmp.resolve("work");
        DemoData.materialize(work);
        Files.createSymbolicLink(work.resolve("model"), root.resolve("demo/models/target"));
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(javaBin, "-Xmx512m", "-Dorg.bytedeco.javacpp.maxbytes=2G",
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=3G", "-cp", classes + File.pathSeparator + cp,
                "UnlearnQuickstart")).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("run.log").toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        boolean done = p.waitFor(300, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String log = Files.readString(tmp.resolve("run.log"));
        assertThat(done).as("finished; log: " + log).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        Matcher before = Pattern.compile("forget ROUGE-L recall before: ([0-9.]+)").matcher(log);
        Matcher after = Pattern.compile("forget ROUGE-L recall after: +([0-9.]+) \\(6 steps, saved to unlearned\\)")
                .matcher(log);
        assertThat(before.find()).as(log).isTrue();
        assertThat(after.find()).as(log).isTrue();
        double b = Double.parseDouble(before.group(1));
        double a = Double.parseDouble(after.group(1));
        System.out.printf("ReadmeJavaSnippetTest: forget ROUGE-L recall %.3f -> %.3f%n", b, a);
        assertThat(b).as("the target model knows the forget answers").isGreaterThan(0.2);
        assertThat(a).as("NPO lowered the recall").isLessThan(b);
        assertThat(work.resolve("unlearned/model.safetensors")).exists();
        assertThat(work.resolve("unlearned/config.json")).exists();
    }
}
