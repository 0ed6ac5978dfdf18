package io.github.proxycodec.interop;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Throw-away certificates made with {@code openssl} in a test's temporary folder: an RSA 2048 CA,
 * a server certificate for {@code proxy.test} (EC P-256 key, signed with SHA-384) and a client
 * certificate for {@code client.example} (RSA 2048 key, signed with SHA-256). The two differ in
 * key and signature algorithm so a test can tell which certificate a TLV describes.
 */
final class TestCertificates {

    static final String SERVER_NAME = "proxy.test";
    static final String CLIENT_CN = "client.example";
    /** The server certificate's key algorithm, as HAProxy names it. */
    static final String SERVER_KEY_ALG = "EC256";
    /** The server certificate's signature algorithm, as HAProxy names it. */
    static final String SERVER_SIG_ALG = "RSA-SHA384";
    private static final char[] PASSWORD = "interop".toCharArray();

    final Path caPem;
    final Path serverPem;
    final Path clientP12;

    private TestCertificates(Path dir) {
        this.caPem = dir.resolve("ca.pem");
        this.serverPem = dir.resolve("server.pem");
        this.clientP12 = dir.resolve("client.p12");
    }

    /** Makes the CA, server and client certificates in {@code dir}. */
    static TestCertificates create(Path dir) throws IOException, InterruptedException {
        String openssl = Peer.OPENSSL.require().toString();
        Duration t = Duration.ofSeconds(30);
        PeerProcess.run(dir, t, openssl, "req", "-x509", "-newkey", "rsa:2048", "-sha256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=proxy-codec interop CA");
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=DNS:" + SERVER_NAME + "\n");
        issue(dir, openssl, t, "server", "/CN=" + SERVER_NAME, "server.ext",
                List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"), "-sha384");
        issue(dir, openssl, t, "client", "/CN=" + CLIENT_CN, null, List.of("-newkey", "rsa:2048"), "-sha256");
        Files.writeString(dir.resolve("server.pem"),
                Files.readString(dir.resolve("server.crt")) + Files.readString(dir.resolve("server.key")));
        PeerProcess.run(dir, t, openssl, "pkcs12", "-export", "-in", "client.crt", "-inkey", "client.key",
                "-name", "client", "-out", "client.p12", "-passout", "pass:" + new String(PASSWORD));
        return new TestCertificates(dir);
    }

    private static void issue(Path dir, String openssl, Duration t, String name, String subject, String ext,
                              List<String> key, String digest) throws IOException, InterruptedException {
        List<String> req = new java.util.ArrayList<>(List.of(openssl, "req"));
        req.addAll(key);
        req.addAll(List.of("-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject));
        PeerProcess.run(dir, t, req.toArray(new String[0]));
        List<String> sign = new java.util.ArrayList<>(List.of(openssl, "x509", "-req", "-in", name + ".csr",
                "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", digest, "-days", "2", "-out", name + ".crt"));
        if (ext != null) {
            sign.addAll(List.of("-extfile", ext));
        }
        PeerProcess.run(dir, t, sign.toArray(new String[0]));
    }

    /**
     * Starts TLS 1.3 over {@code plain} as a client: SNI {@code proxy.test}, ALPN {@code h2}, the
     * server checked against the test CA and its name, the client certificate presented if
     * {@code withClientCertificate}. Returns the socket after the handshake.
     */
    SSLSocket handshake(Socket plain, boolean withClientCertificate) throws IOException, GeneralSecurityException {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(clientP12)) {
            keys.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD);

        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            trust.setCertificateEntry("ca", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);

        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(withClientCertificate ? kmf.getKeyManagers() : null, tmf.getTrustManagers(), null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, SERVER_NAME, plain.getPort(), true);
        SSLParameters params = s.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(SERVER_NAME)));
        params.setProtocols(new String[] {"TLSv1.3"});
        params.setEndpointIdentificationAlgorithm("HTTPS");
        params.setApplicationProtocols(new String[] {"h2"});
        s.setSSLParameters(params);
        s.setUseClientMode(true);
        s.startHandshake();
        return s;
    }
}
