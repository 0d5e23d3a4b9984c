package dev.lethe.examples.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import picocli.CommandLine;

/**
 * The project version for {@code lethe --version}: read from {@code version.properties}, which Maven fills in
 * from the POM at build time, falling back to the jar manifest's {@code Implementation-Version}.
 */
public final class LetheVersion implements CommandLine.IVersionProvider {

    /** The version string, e.g. {@code 0.1.0-SNAPSHOT}, or {@code unknown} when neither source has it. */
    public static String version() {
        try (InputStream in = LetheVersion.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank() && !v.contains("${")) {
                    return v.trim();
                }
            }
        } catch (IOException e) {
            // fall through to the manifest
        }
        String fromManifest = LetheVersion.class.getPackage().getImplementationVersion();
        return fromManifest != null ? fromManifest : "unknown";
    }

    @Override
    public String[] getVersion() {
        return new String[] {"lethe " + version()};
    }
}
