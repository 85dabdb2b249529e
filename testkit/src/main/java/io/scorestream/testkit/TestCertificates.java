package io.scorestream.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.Objects;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority and one server certificate it signed, made when a test or the
 * secure demo starts and never written anywhere but the directory it is given. Nothing of it is
 * committed: every run has a new CA, new keys and a new random store password.
 *
 * <p>The server certificate is for {@code localhost} and {@code 127.0.0.1} (subject alternative
 * names, so clients keep hostname verification on: {@code ssl.endpoint.identification.algorithm=https}
 * stays Kafka's default), valid from an hour ago for a day, for TLS server and client
 * authentication. Keys are EC P-256, signatures SHA256withECDSA.
 *
 * <p>Files, all in the given directory:
 * <ul>
 *   <li>{@link #truststore()}: PKCS12 with the CA certificate only (for clients);</li>
 *   <li>{@link #keystore()}: PKCS12 with the server's private key and its chain (server, CA);</li>
 *   <li>{@link #caPem()}: the CA certificate in PEM, for tools that take PEM.</li>
 * </ul>
 * Both stores use {@link #password()}, which is random per instance so a test can look for it in
 * everything a process wrote.
 *
 * <p>Immutable after {@link #create(Path)}; thread-safe.
 */
public final class TestCertificates {

    /** The key store type of both files; Kafka's {@code ssl.keystore.type}/{@code ssl.truststore.type}. */
    public static final String STORE_TYPE = "PKCS12";

    private static final String SERVER_ALIAS = "server";
    private static final String CA_ALIAS = "ca";
    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final Duration VALIDITY = Duration.ofDays(1);
    private static final Duration BACKDATE = Duration.ofHours(1);

    private final Path truststore;
    private final Path keystore;
    private final Path caPem;
    private final String password;
    private final X509Certificate caCertificate;
    private final X509Certificate serverCertificate;

    private TestCertificates(final Path truststore, final Path keystore, final Path caPem,
            final String password, final X509Certificate caCertificate,
            final X509Certificate serverCertificate) {
        this.truststore = truststore;
        this.keystore = keystore;
        this.caPem = caPem;
        this.password = password;
        this.caCertificate = caCertificate;
        this.serverCertificate = serverCertificate;
    }

    /**
     * Makes a new CA and server certificate and writes the stores into {@code dir}.
     *
     * @param dir an existing directory, owned by the caller (it deletes the files)
     * @return the certificates and the paths of their stores
     * @throws UncheckedIOException if the files cannot be written
     * @throws IllegalStateException if the JDK lacks EC P-256 or PKCS12 (it never does)
     */
    public static TestCertificates create(final Path dir) {
        Objects.requireNonNull(dir, "dir");
        try {
            final SecureRandom random = new SecureRandom();
            final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            final KeyPair caKeys = generator.generateKeyPair();
            final KeyPair serverKeys = generator.generateKeyPair();

            final Instant now = Instant.now();
            final X500Name caName = new X500Name("CN=scorestream test CA " + serial(random));
            final X509Certificate ca = caCertificate(caName, caKeys, now, random);
            final X509Certificate server = serverCertificate(caName, caKeys, ca, serverKeys, now,
                    random);

            final byte[] passwordBytes = new byte[18];
            random.nextBytes(passwordBytes);
            final String password = Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(passwordBytes);

            final KeyStore trust = KeyStore.getInstance(STORE_TYPE);
            trust.load(null, null);
            trust.setCertificateEntry(CA_ALIAS, ca);
            final Path truststore = dir.resolve("truststore.p12");
            store(trust, truststore, password);

            final KeyStore keys = KeyStore.getInstance(STORE_TYPE);
            keys.load(null, null);
            keys.setKeyEntry(SERVER_ALIAS, serverKeys.getPrivate(), password.toCharArray(),
                    new Certificate[] {server, ca});
            final Path keystore = dir.resolve("keystore.p12");
            store(keys, keystore, password);

            final Path caPem = dir.resolve("ca.pem");
            try (Writer out = Files.newBufferedWriter(caPem, StandardCharsets.US_ASCII)) {
                out.write(pem(ca));
            }
            return new TestCertificates(truststore, keystore, caPem, password, ca, server);
        } catch (final IOException e) {
            throw new UncheckedIOException("Cannot write the test certificates to " + dir, e);
        } catch (final GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("Cannot make the test certificates: " + e, e);
        }
    }

    /** The PKCS12 trust store holding the CA certificate. */
    public Path truststore() {
        return truststore;
    }

    /** The PKCS12 key store holding the server key and its chain. */
    public Path keystore() {
        return keystore;
    }

    /** The CA certificate, PEM. */
    public Path caPem() {
        return caPem;
    }

    /** The password of both stores and of the server key entry. A secret: never log it. */
    public String password() {
        return password;
    }

    /** The CA's certificate. */
    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** The server's certificate (for localhost and 127.0.0.1). */
    public X509Certificate serverCertificate() {
        return serverCertificate;
    }

    /** A TLS context that presents the server certificate, for an HTTPS server. */
    public SSLContext serverContext() {
        try {
            final KeyStore keys = KeyStore.getInstance(STORE_TYPE);
            try (var in = Files.newInputStream(keystore)) {
                keys.load(in, password.toCharArray());
            }
            final KeyManagerFactory kmf =
                    KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password.toCharArray());
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (final IOException e) {
            throw new UncheckedIOException("Cannot read " + keystore, e);
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("Cannot make the server TLS context: " + e, e);
        }
    }

    /** A TLS context that trusts this CA only, for a client. */
    public SSLContext clientContext() {
        try {
            final KeyStore trust = KeyStore.getInstance(STORE_TYPE);
            trust.load(null, null);
            trust.setCertificateEntry(CA_ALIAS, caCertificate);
            final TrustManagerFactory tmf =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (final IOException | GeneralSecurityException e) {
            throw new IllegalStateException("Cannot make the client TLS context: " + e, e);
        }
    }

    private static X509Certificate caCertificate(final X500Name name, final KeyPair keys,
            final Instant now, final SecureRandom random)
            throws GeneralSecurityException, IOException, OperatorCreationException {
        final JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        final X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                new BigInteger(64, random).abs(), Date.from(now.minus(BACKDATE)),
                Date.from(now.plus(VALIDITY)), name, keys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                .addExtension(Extension.keyUsage, true,
                        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .addExtension(Extension.subjectKeyIdentifier, false,
                        extensions.createSubjectKeyIdentifier(keys.getPublic()));
        return sign(builder, keys);
    }

    private static X509Certificate serverCertificate(final X500Name caName, final KeyPair caKeys,
            final X509Certificate ca, final KeyPair keys, final Instant now,
            final SecureRandom random)
            throws GeneralSecurityException, IOException, OperatorCreationException {
        final JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        final X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caName,
                new BigInteger(64, random).abs(), Date.from(now.minus(BACKDATE)),
                Date.from(now.plus(VALIDITY)), new X500Name("CN=localhost"), keys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true,
                        new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth,
                            KeyPurposeId.id_kp_clientAuth}))
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                        new GeneralName[] {new GeneralName(GeneralName.dNSName, "localhost"),
                            new GeneralName(GeneralName.iPAddress, "127.0.0.1")}))
                .addExtension(Extension.authorityKeyIdentifier, false,
                        extensions.createAuthorityKeyIdentifier(ca))
                .addExtension(Extension.subjectKeyIdentifier, false,
                        extensions.createSubjectKeyIdentifier(keys.getPublic()));
        return sign(builder, caKeys);
    }

    private static X509Certificate sign(final X509v3CertificateBuilder builder,
            final KeyPair signer) throws GeneralSecurityException, OperatorCreationException {
        final ContentSigner contentSigner =
                new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(signer.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    }

    private static void store(final KeyStore store, final Path file, final String password)
            throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password.toCharArray());
        }
    }

    private static String pem(final X509Certificate certificate)
            throws GeneralSecurityException {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    private static String serial(final SecureRandom random) {
        final byte[] bytes = new byte[4];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
