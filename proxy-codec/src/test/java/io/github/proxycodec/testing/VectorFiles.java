package io.github.proxycodec.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The {@code vectors/*.hex} files on the test class path, listed and read the same way from
 * proxy-codec's own test classes folder and from its test-jar in the other modules.
 */
public final class VectorFiles {

    private VectorFiles() {
    }

    /** Every vector name, sorted, e.g. {@code haproxy-v2-tcp4}, {@code crafted/v1_tcp4}. */
    public static List<String> names() {
        try {
            URI uri = VectorFiles.class.getResource("/vectors").toURI();
            if ("jar".equals(uri.getScheme())) {
                try (FileSystem fs = jarFileSystem(uri)) {
                    return list(fs.provider().getPath(uri));
                }
            }
            return list(Path.of(uri));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The text of {@code vectors/<name>.hex}, comments and all, as a user would pipe it. */
    public static String text(String name) {
        String path = "/vectors/" + name + ".hex";
        try (InputStream in = VectorFiles.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no vector " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileSystem jarFileSystem(URI uri) throws IOException {
        try {
            return FileSystems.newFileSystem(uri, Map.of());
        } catch (FileSystemAlreadyExistsException e) {
            throw new IllegalStateException("the test-jar is already open elsewhere", e);
        }
    }

    private static List<String> list(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(s -> s.endsWith(".hex"))
                    .map(s -> s.substring(0, s.length() - ".hex".length()))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }
}
