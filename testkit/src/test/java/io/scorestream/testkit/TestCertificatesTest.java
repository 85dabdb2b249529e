package io.scorestream.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestCertificatesTest {

    @TempDir
    Path dir;

    @Test
    void aClientTrustingTheCaCompletesAHandshakeWithHostnameVerification() throws Exception {
        final TestCertificates certificates = TestCertificates.create(dir);
        try (SSLServerSocket server = (SSLServerSocket) certificates.serverContext()
                .getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            final CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> {
                try (var accepted = server.accept(); InputStream in = accepted.getInputStream();
                        OutputStream out = accepted.getOutputStream()) {
                    out.write(in.read());
                    out.flush();
                } catch (final Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket socket = (SSLSocket) certificates.clientContext().getSocketFactory()
                    .createSocket("127.0.0.1", server.getLocalPort())) {
                final SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(parameters);
                socket.getOutputStream().write(42);
                socket.getOutputStream().flush();
                assertEquals(42, socket.getInputStream().read());
            }
            echo.get(10, TimeUnit.SECONDS);
        }
        assertEquals(2, certificates.serverCertificate().getSubjectAlternativeNames().size());
        certificates.serverCertificate().verify(certificates.caCertificate().getPublicKey());
    }

    @Test
    void aClientTrustingAnotherCaIsRefused() throws Exception {
        final TestCertificates ours = TestCertificates.create(dir);
        final Path other = dir.resolve("other");
        java.nio.file.Files.createDirectories(other);
        final TestCertificates theirs = TestCertificates.create(other);
        try (SSLServerSocket server = (SSLServerSocket) ours.serverContext()
                .getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            final CompletableFuture<Void> accept = CompletableFuture.runAsync(() -> {
                try (var accepted = server.accept()) {
                    accepted.getInputStream().read();
                } catch (final Exception expected) {
                    // the client aborts the handshake
                }
            });
            try (SSLSocket socket = (SSLSocket) theirs.clientContext().getSocketFactory()
                    .createSocket("localhost", server.getLocalPort())) {
                assertThrows(SSLHandshakeException.class, socket::startHandshake);
            }
            accept.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theStoresOpenWithTheRandomPasswordAndHoldTheChain() throws Exception {
        final TestCertificates certificates = TestCertificates.create(dir);
        final KeyStore keys = KeyStore.getInstance(TestCertificates.STORE_TYPE);
        try (InputStream in = new FileInputStream(certificates.keystore().toFile())) {
            keys.load(in, certificates.password().toCharArray());
        }
        assertEquals(2, keys.getCertificateChain("server").length);
        assertArrayEquals(certificates.serverCertificate().getEncoded(),
                keys.getCertificateChain("server")[0].getEncoded());
        final KeyStore trust = KeyStore.getInstance(TestCertificates.STORE_TYPE);
        try (InputStream in = new FileInputStream(certificates.truststore().toFile())) {
            trust.load(in, certificates.password().toCharArray());
        }
        assertArrayEquals(certificates.caCertificate().getEncoded(),
                trust.getCertificate("ca").getEncoded());
        final Path again = dir.resolve("again");
        java.nio.file.Files.createDirectories(again);
        assertNotEquals(certificates.password(), TestCertificates.create(again).password());
    }
}
