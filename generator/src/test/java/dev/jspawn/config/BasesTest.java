package dev.jspawn.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Base= chains: default-ns-1 -> web-base -> child_apache becomes a lowerdir stack, topmost first. */
class BasesTest {

    @TempDir
    Path etc;

    private Bases bases(String... nameAndText) throws IOException {
        for (int i = 0; i < nameAndText.length; i += 2) Files.writeString(etc.resolve(nameAndText[i] + ".base"), nameAndText[i + 1]);
        return Bases.load(new SearchPath(List.of(etc)));
    }

    @Test
    void aChainBecomesALowerdirStackTopmostFirst() throws Exception {
        Bases b = bases("web-base", "[Base]\nBase=default-ns-1\n", "php", "[Base]\nBase=web-base\n");
        assertEquals(List.of(), b.errors());
        assertEquals(List.of("/r/php", "/r/web-base", "/r/default-ns-1"), b.lowerDirs("php", "/r"));
        assertEquals(List.of("/r/default-ns-1"), b.lowerDirs("default-ns-1", "/r"), "a plain directory ends the chain");
        assertEquals(List.of("/srv/x"), b.lowerDirs("/srv/x", "/r"));
    }

    @Test
    void anAbsoluteParentEndsTheChain() throws Exception {
        assertEquals(List.of("/r/web", "/srv/debian"), bases("web", "[Base]\nBase=/srv/debian\n").lowerDirs("web", "/r"));
    }

    @Test
    void anEmptyAssignmentInADropInResetsTheParent() throws Exception {
        Files.createDirectories(etc.resolve("web.base.d"));
        Files.writeString(etc.resolve("web.base.d/10-flat.conf"), "[Base]\nBase=\n");
        assertEquals(List.of("/r/web"), bases("web", "[Base]\nBase=default-ns-1\n").lowerDirs("web", "/r"));
    }

    @Test
    void aLoopIsAnErrorThatShowsTheChain() throws Exception {
        Bases b = bases("a", "[Base]\nBase=b\n", "b", "[Base]\nBase=c\n", "c", "[Base]\nBase=a\n");
        Values.Invalid e = assertThrows(Values.Invalid.class, () -> b.lowerDirs("a", "/r"));
        assertEquals("the chain of bases loops: a -> b -> c -> a", e.getMessage());
    }

    @Test
    void anInvalidLinkIsReportedOnceAndFailsEveryChainThroughIt() throws Exception {
        Bases b = bases("web", "[Base]\nBase=broken\n", "broken", "[Base]\nParent=x\n");
        assertEquals(List.of(etc.resolve("broken.base") + ":2: [Base] Parent=: unknown key; a .base file takes [Base] Base= and UpdateCommand="),
                b.errors().stream().map(Object::toString).toList());
        Values.Invalid e = assertThrows(Values.Invalid.class, () -> b.lowerDirs("web", "/r"));
        assertEquals("base broken is defined in " + etc.resolve("broken.base") + ", which is invalid (chain: web -> broken)", e.getMessage());
    }

    @Test
    void anUpdateCommandIsSplitAsSystemdSplitsACommandLine() throws Exception {
        Bases b = bases("web", "[Base]\nUpdateCommand=sh -c \"apt-get update && apt-get -y full-upgrade\"\n", "bad", "[Base]\nUpdateCommand=sh -c \"open\n");
        assertEquals(java.util.Optional.of(List.of("sh", "-c", "apt-get update && apt-get -y full-upgrade")), b.updateCommandOf("web"));
        assertEquals(java.util.Optional.empty(), b.updateCommandOf("bad"));
        assertEquals(1, b.errors().size(), b.errors().toString());
        assertTrue(b.errors().get(0).toString().startsWith(etc.resolve("bad.base") + ":2: [Base] UpdateCommand="), b.errors().toString());
    }

    @Test
    void aParentThatWouldInjectIsRefused() throws Exception {
        Bases b = bases("web", "[Base]\nBase=/x,upperdir=/etc\n");
        assertEquals(List.of(etc.resolve("web.base") + ":2: [Base] Base=: path \"/x,upperdir=/etc\" is refused: ',' would end the mount option"),
                b.errors().stream().map(Object::toString).toList());
    }

    @Test
    void tooDeepIsAnError() throws Exception {
        for (int i = 0; i < 40; i++) Files.writeString(etc.resolve("b" + i + ".base"), "[Base]\nBase=b" + (i + 1) + "\n");
        Values.Invalid e = assertThrows(Values.Invalid.class, () -> Bases.load(new SearchPath(List.of(etc))).lowerDirs("b0", "/r"));
        assertEquals(true, e.getMessage().startsWith("the chain of bases is deeper than 32: b0 -> b1"), e.getMessage());
    }
}
