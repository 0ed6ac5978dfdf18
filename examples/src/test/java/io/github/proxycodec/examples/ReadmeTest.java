package io.github.proxycodec.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README a user copies from: its Maven and Gradle coordinates name the version the parent
 * POM builds, and every {@code docs/…md} it links to exists. Surefire runs in the module's
 * folder, so the project's top level is its parent.
 */
class ReadmeTest {

    private static final Path TOP = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();

    /** The parent's own version: the first {@code <version>} after its artifactId. */
    private static final Pattern PARENT_VERSION =
            Pattern.compile("<artifactId>proxy-codec-parent</artifactId>\\s*<version>([^<]+)</version>");
    /** A Maven dependency on one of ours, up to its version. */
    private static final Pattern MAVEN =
            Pattern.compile("<groupId>io\\.github\\.proxycodec</groupId>\\s*<artifactId>([^<]+)</artifactId>"
                    + "[^<]*(?:<!--[^>]*-->\\s*)?<version>([^<]+)</version>");
    /** A Gradle coordinate of ours: group:artifact:version. */
    private static final Pattern GRADLE = Pattern.compile("\"io\\.github\\.proxycodec:([a-z-]+):([^\"]+)\"");
    /** A Markdown link target under docs/. */
    private static final Pattern DOC_LINK = Pattern.compile("\\]\\((docs/[^)#\\s]+\\.md)(?:#[^)]*)?\\)");

    private static String read(String name) throws IOException {
        return Files.readString(TOP.resolve(name));
    }

    private static String projectVersion() throws IOException {
        Matcher m = PARENT_VERSION.matcher(read("pom.xml"));
        assertTrue(m.find(), "the parent pom names its version");
        return m.group(1);
    }

    @Test
    void everyCoordinateInTheReadmeNamesTheProjectVersion() throws IOException {
        String version = projectVersion();
        String readme = read("README.md");
        List<String> artifacts = new ArrayList<>();
        for (Pattern p : List.of(MAVEN, GRADLE)) {
            Matcher m = p.matcher(readme);
            while (m.find()) {
                assertEquals(version, m.group(2), "the version written for " + m.group(1));
                artifacts.add(m.group(1));
            }
        }
        // Both build tools, both core modules.
        assertEquals(2, artifacts.stream().filter("proxy-codec"::equals).count(), "proxy-codec in Maven and Gradle");
        assertEquals(2, artifacts.stream().filter("proxy-codec-udp"::equals).count(), "proxy-codec-udp in Maven and Gradle");
    }

    @Test
    void theCliSaysTheProjectVersion() throws IOException {
        String version = projectVersion();
        Cli cli = Cli.run("--version");
        assertEquals(0, cli.status(), cli.stderr());
        String out = cli.text().trim();
        assertTrue(out.endsWith(" " + version), "--version says " + out);
    }

    @Test
    void everyDocTheReadmeLinksToExists() throws IOException {
        Matcher m = DOC_LINK.matcher(read("README.md"));
        List<String> links = new ArrayList<>();
        while (m.find()) {
            links.add(m.group(1));
            assertTrue(Files.isRegularFile(TOP.resolve(m.group(1))), "README links to " + m.group(1) + ", which is missing");
        }
        assertFalse(links.isEmpty(), "the README links to its docs");
    }

    @Test
    void theReadmeKeepsTheTestCommandThatCiRuns() throws IOException {
        // .ci/run and the hooks look for a line starting with mvn that contains verify.
        assertTrue(read("README.md").lines().anyMatch(l -> l.equals("mvn -B verify")), "mvn -B verify on a line of its own");
    }
}
