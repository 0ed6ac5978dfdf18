package io.github.proxycodec;

import java.io.ByteArrayInputStream;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Typed view of a PROXY v2 SSL TLV (type 0x20): how the client connected to the proxy.
 *
 * <p>Obtained from {@link ProxyHeader#ssl()}. Layout: one byte of client flags, four bytes of
 * verify result (0 means the client certificate was verified), then sub-TLVs 0x21..0x28.
 */
public final class ProxySslInfo {

    /** Client flag: the client connected over SSL/TLS. */
    public static final int CLIENT_SSL = 0x01;
    /** Client flag: the client presented a certificate over the current connection. */
    public static final int CLIENT_CERT_CONN = 0x02;
    /** Client flag: the client presented a certificate at least once over the TLS session. */
    public static final int CLIENT_CERT_SESS = 0x04;

    private final int client;
    private final long verify;
    private final List<ProxyTlv> subTlvs;

    ProxySslInfo(int client, long verify, List<ProxyTlv> subTlvs) {
        this.client = client;
        this.verify = verify;
        this.subTlvs = subTlvs;
    }

    /** Returns the raw client flags byte. */
    public int clientFlags() {
        return client;
    }

    /** Returns whether the client connected over SSL/TLS. */
    public boolean isSsl() {
        return (client & CLIENT_SSL) != 0;
    }

    /** Returns whether the client presented a certificate over this connection. */
    public boolean hasClientCertificateInConnection() {
        return (client & CLIENT_CERT_CONN) != 0;
    }

    /** Returns whether the client presented a certificate at least once over the TLS session. */
    public boolean hasClientCertificateInSession() {
        return (client & CLIENT_CERT_SESS) != 0;
    }

    /** Returns the raw verify field as an unsigned 32-bit value; 0 means verified. */
    public long verifyResult() {
        return verify;
    }

    /**
     * Returns whether the verify field is 0. HAProxy also sends 0 when the client presented no
     * certificate at all, so to know that a client certificate was checked use
     * {@link #hasVerifiedClientCertificate()}.
     */
    public boolean isVerified() {
        return verify == 0;
    }

    /** Returns whether the client presented a certificate (on this connection or session) and it was verified. */
    public boolean hasVerifiedClientCertificate() {
        return verify == 0 && (client & (CLIENT_CERT_CONN | CLIENT_CERT_SESS)) != 0;
    }

    /** Returns the sub-TLVs in the order received. */
    public List<ProxyTlv> subTlvs() {
        return subTlvs;
    }

    /** Returns the first sub-TLV of {@code type}, if present. */
    public Optional<ProxyTlv> subTlv(int type) {
        for (ProxyTlv t : subTlvs) {
            if (t.type() == type) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Returns the TLS version, e.g. {@code TLSv1.3} (sub-TLV 0x21). */
    public Optional<String> version() {
        return text(ProxyTlv.SSL_VERSION);
    }

    /** Returns the client certificate's Common Name (sub-TLV 0x22). */
    public Optional<String> commonName() {
        return text(ProxyTlv.SSL_CN);
    }

    /** Returns the cipher, e.g. {@code TLS_AES_256_GCM_SHA384} (sub-TLV 0x23). */
    public Optional<String> cipher() {
        return text(ProxyTlv.SSL_CIPHER);
    }

    /**
     * Returns the signature algorithm of the certificate the proxy's frontend presented (not the
     * client's), e.g. {@code RSA-SHA256} (sub-TLV 0x24).
     */
    public Optional<String> signatureAlgorithm() {
        return text(ProxyTlv.SSL_SIG_ALG);
    }

    /**
     * Returns the key algorithm of the certificate the proxy's frontend presented (not the
     * client's), e.g. {@code RSA2048} (sub-TLV 0x25).
     */
    public Optional<String> keyAlgorithm() {
        return text(ProxyTlv.SSL_KEY_ALG);
    }

    /** Returns the key-exchange group (sub-TLV 0x26). */
    public Optional<String> group() {
        return text(ProxyTlv.SSL_GROUP);
    }

    /** Returns the signature scheme (sub-TLV 0x27). */
    public Optional<String> signatureScheme() {
        return text(ProxyTlv.SSL_SIG_SCHEME);
    }

    /** Returns the client certificate, DER-encoded (sub-TLV 0x28). */
    public Optional<byte[]> clientCertificate() {
        return subTlv(ProxyTlv.SSL_CLIENT_CERT).map(ProxyTlv::value);
    }

    /**
     * Returns the client certificate (sub-TLV 0x28) decoded as X.509; its DER stays available
     * from {@link #clientCertificate()}. Decoding happens on each call, only when asked: a
     * malformed certificate never refuses the header.
     *
     * @throws CertificateException if the bytes are not exactly one DER X.509 certificate
     */
    public Optional<X509Certificate> clientX509Certificate() throws CertificateException {
        Optional<byte[]> der = clientCertificate();
        if (der.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(x509(der.get()));
    }

    private static X509Certificate x509(byte[] der) throws CertificateException {
        Certificate cert;
        try {
            cert = CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new CertificateException("SSL_CLIENT_CERT is not a valid X.509 certificate: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // Some providers fail on odd input with unchecked exceptions: still a bad certificate.
            throw new CertificateException("SSL_CLIENT_CERT is not a valid X.509 certificate: " + e, e);
        }
        if (!(cert instanceof X509Certificate)) {
            throw new CertificateException("SSL_CLIENT_CERT is not an X.509 certificate");
        }
        if (!Arrays.equals(cert.getEncoded(), der)) {
            // PEM text, or bytes after the certificate: the TLV must hold exactly one DER certificate.
            throw new CertificateException("SSL_CLIENT_CERT holds more or other than one DER certificate");
        }
        return (X509Certificate) cert;
    }

    private Optional<String> text(int type) {
        return subTlv(type).map(ProxyTlv::valueAsString);
    }

    @Override
    public String toString() {
        return "ProxySslInfo{client=0x" + Integer.toHexString(client) + ", verify=" + verify
                + ", subTlvs=" + subTlvs + '}';
    }
}
