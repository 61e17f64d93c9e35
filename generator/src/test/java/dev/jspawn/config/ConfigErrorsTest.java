package dev.jspawn.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.jspawn.syntax.SystemdIniParser;

/** A table of bad files and the exact message each gets: file, line, section, key and reason. */
class ConfigErrorsTest {

    static List<String> errors(String name, String text) {
        Path file = Path.of("/etc/jspawn/" + name + ".jspawn");
        var parsed = SystemdIniParser.parse(file, text.replace("\\n", "\n").getBytes(StandardCharsets.UTF_8));
        if (!parsed.ok()) return parsed.errors().stream().map(Object::toString).collect(Collectors.toList());
        var r = ConfigLoader.load(new ConfigSource(name, file, List.of()), List.of(parsed.unit()), Bases.none());
        assertFalse(r.ok(), "expected errors");
        return r.errors().stream().map(Object::toString).collect(Collectors.toList());
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "c | [Container]\\nImageRoot=/x | /etc/jspawn/c.jspawn: [Container] Base= is missing: name the base image (a directory under /x, or an absolute path)",
        "c | [Container]\\nBase=/var/lib/a,b | /etc/jspawn/c.jspawn:2: [Container] Base=: path \"/var/lib/a,b\" is refused: ',' would end the mount option",
        "c | [Container]\\nBase=/var/lib/a:b | /etc/jspawn/c.jspawn:2: [Container] Base=: path \"/var/lib/a:b\" is refused: ':' separates overlay layers",
        "c | [Container]\\nBase=../etc | /etc/jspawn/c.jspawn:2: [Container] Base=: \"../etc\" is not a single directory name; Base= takes a directory name under the image root or an absolute path",
        "c | [Container]\\nBase=/var/lib/../../etc | /etc/jspawn/c.jspawn:2: [Container] Base=: path \"/var/lib/../../etc\" has a \"..\" component",
        "c | [Container]\\nBase=b\\nImageRoot=relative | /etc/jspawn/c.jspawn:3: [Container] ImageRoot=: \"relative\" is not an absolute path",
        "c | [Container]\\nBase=b\\nImageRoot=/srv/my images | /etc/jspawn/c.jspawn:3: [Container] ImageRoot=: path \"/srv/my images\" is refused: white space is not allowed",
        "c | [Container]\\nBase=b\\nMachineName=a_b | /etc/jspawn/c.jspawn:3: [Container] MachineName=: machine name \"a_b\" is not a valid host name: invalid character '_' (a label is letters, digits and '-'; dots separate labels)",
        "c | [Container]\\nBase=b\\nMachineName=caf\u00e9 | /etc/jspawn/c.jspawn:3: [Container] MachineName=: machine name \"caf\u00e9\" is not a valid host name: invalid character '\u00e9' (a label is letters, digits and '-'; dots separate labels)",
        "c | [Container]\\nBase=b\\nMachineName=a\tb | /etc/jspawn/c.jspawn:3: [Container] MachineName=: machine name \"a\tb\" is not a valid host name: invalid character U+0009 (a label is letters, digits and '-'; dots separate labels)",
        "c | [Container]\\nBase=b\\nMachineName=a..b | /etc/jspawn/c.jspawn:3: [Container] MachineName=: machine name \"a..b\" is not a valid host name: empty label (a host name neither starts nor ends with '.', nor has \"..\")",
        "c | [Container]\\nBase=b\\nMachineName=web. | /etc/jspawn/c.jspawn:3: [Container] MachineName=: machine name \"web.\" is not a valid host name: empty label (a host name neither starts nor ends with '.', nor has \"..\")",
        "c | [Container]\\nBase=b\\nMachineName=-x | /etc/jspawn/c.jspawn:3: [Container] MachineName=: machine name \"-x\" is not a valid host name: a label may not start or end with '-'",
        "c | [Container]\\nBase=b\\nMachineName=shop.web- | /etc/jspawn/c.jspawn:3: [Container] MachineName=: machine name \"shop.web-\" is not a valid host name: a label may not start or end with '-' (\"web-\")",
        "c | [Container]\\nBase=b\\nMachineName=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | /etc/jspawn/c.jspawn:3: [Container] MachineName=: machine name \"aaaaaaaaaaaaaaaaaaaa\u2026\" (64 characters) is not a valid host name: a machine name's label (the part between dots) is at most 63 characters",
        "c | [Container]\\nBase=b\\nMachineName=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.x | /etc/jspawn/c.jspawn:3: [Container] MachineName=: machine name \"bbbbbbbbbbbbbbbbbbbb\u2026\" (65 characters) is not a valid host name: a machine name is at most 64 characters in all",
        "c | [Container]\\nBase=b\\nbase=c | /etc/jspawn/c.jspawn:3: [Container] base=: unknown key (did you mean Base=? keys are case-sensitive)",
        "c | [Container]\\nBase=b\\n[Socket]\\nListenStream=80 | /etc/jspawn/c.jspawn:4: [Socket] unknown section; jspawn knows [Container], [Exec], [Files], [Network], [Unit], [Service], [Install]",
        "c | [Container]\\nBase=b\\n[Service]\\nExecStart=/bin/sh | /etc/jspawn/c.jspawn:4: [Service] ExecStart=: not allowed: jspawn@ runs systemd-nspawn; set its arguments with the keys of jspawn.jspawn(5) or NspawnArgs=",
        "c | [Container]\\nBase=b\\n[Service]\\nUser=www | /etc/jspawn/c.jspawn:4: [Service] User=: not allowed: systemd-nspawn runs as root; the guest's users come from its user namespace (PrivateUsers=)",
        "c | [Container]\\nBase=b\\n[Service]\\nMemoryMax=2 GB | /etc/jspawn/c.jspawn:4: [Service] MemoryMax=: \"2 GB\" is not a size (such as 512M, 2G, 50% or infinity)",
        "c | [Container]\\nBase=b\\n[Service]\\nCPUQuota=150 | /etc/jspawn/c.jspawn:4: [Service] CPUQuota=: \"150\" is not a percentage such as 150%",
        "c | [Container]\\nBase=b\\n[Service]\\nIOWeight=0 | /etc/jspawn/c.jspawn:4: [Service] IOWeight=: \"0\" is not a whole number from 1 to 10000",
        "c | [Container]\\nBase=b\\n[Service]\\nTasksMax=lots | /etc/jspawn/c.jspawn:4: [Service] TasksMax=: \"lots\" is not a number, a percentage or infinity",
        "c | [Container]\\nBase=b\\n[Service]\\nRestart=sometimes | /etc/jspawn/c.jspawn:4: [Service] Restart=: \"sometimes\" is not one of no, on-success, on-failure, on-abnormal, on-watchdog, on-abort, always",
        "c | [Container]\\nBase=b\\n[Service]\\nRestartSec=5 parsecs | /etc/jspawn/c.jspawn:4: [Service] RestartSec=: \"5 parsecs\" is not a time span such as 30s, 5min or infinity",
        "c | [Container]\\nBase=b\\n[Service]\\nSlice=web.service | /etc/jspawn/c.jspawn:4: [Service] Slice=: \"web.service\" is not a slice",
        "c | [Container]\\nBase=b\\n[Service]\\nmemoryMax=1G | /etc/jspawn/c.jspawn:4: [Service] memoryMax=: \"memoryMax\" is not a systemd key name",
        "c | [Container]\\nBase=b\\n[Unit]\\nAfter=network-online | /etc/jspawn/c.jspawn:4: [Unit] After=: \"network-online\" is not a unit name (such as network-online.target)",
        "c | [Container]\\nBase=b\\n[Unit]\\nDescription=web \\\\\\\\ | /etc/jspawn/c.jspawn:4: [Unit] Description=: a trailing backslash would continue the line in the unit",
        "c | [Container]\\nBase=b\\n[Install]\\nWantedBy=multi-user | /etc/jspawn/c.jspawn:4: [Install] WantedBy=: \"multi-user\" is not a unit name (such as network-online.target)",
        "c | [Container]\\nBase=b\\n[Install]\\nAlias=web.service | /etc/jspawn/c.jspawn:4: [Install] Alias=: jspawn carries out RequiredBy=, UpheldBy=, WantedBy= (or enable it with systemctl enable); [Install] Alias= is not supported",
        "c | [Container]\\nBase=b\\n[Exec]\\nEphemeral=yes | /etc/jspawn/c.jspawn:4: [Exec] Ephemeral=: not supported for an overlay child: the child is already a copy-on-write overlay of its base; nspawn would copy the whole tree (to throw away what the guest writes at each stop, use Volatile=overlay)",
        "c | [Container]\\nBase=b\\n[Files]\\nPrivateUsersOwnership=map | /etc/jspawn/c.jspawn:4: [Files] PrivateUsersOwnership=: not supported for an overlay child: jspawn idmaps the base layers for the child's range and never chowns: ownership is always off (map fails on an overlay root, chown would copy the whole base up)",
        "c | [Container]\\nBase=b\\n[Exec]\\nHostname=web_1 | /etc/jspawn/c.jspawn:4: [Exec] Hostname=: host name \"web_1\" is not a valid host name: invalid character '_' (a label is letters, digits and '-'; dots separate labels)",
        "c | [Container]\\nBase=b\\n[Exec]\\nHostname=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.x | /etc/jspawn/c.jspawn:4: [Exec] Hostname=: host name \"bbbbbbbbbbbbbbbbbbbb\u2026\" (65 characters) is not a valid host name: a host name is at most 64 characters in all",
        "c | [Container]\\nBase=b\\n[Exec]\\nMachineID=xyz | /etc/jspawn/c.jspawn:4: [Exec] MachineID=: \"xyz\" is not a machine ID (32 hexadecimal digits, not all zero)",
        "c | [Container]\\nBase=b\\n[Exec]\\nResolvConf=copy | /etc/jspawn/c.jspawn:4: [Exec] ResolvConf=: \"copy\" is not one of off, copy-host, copy-static, copy-uplink, copy-stub, replace-host, replace-static, replace-uplink, replace-stub, bind-host, bind-static, bind-uplink, bind-stub, delete, auto",
        "c | [Container]\\nBase=b\\n[Exec]\\nLinkJournal=always | /etc/jspawn/c.jspawn:4: [Exec] LinkJournal=: \"always\" is not one of no, host, try-host, guest, try-guest, auto",
        "c | [Container]\\nBase=b\\n[Exec]\\nCapability=CAP_NET_ADMIN NET_RAW | /etc/jspawn/c.jspawn:4: [Exec] Capability=: \"NET_RAW\" is not a capability name such as CAP_NET_ADMIN (or all)",
        "c | [Container]\\nBase=b\\n[Exec]\\nLimitNOFILE=lots | /etc/jspawn/c.jspawn:4: [Exec] LimitNOFILE=: \"lots\" is not a limit: a number, infinity, or SOFT:HARD",
        "c | [Container]\\nBase=b\\n[Exec]\\nOOMScoreAdjust=2000 | /etc/jspawn/c.jspawn:4: [Exec] OOMScoreAdjust=: \"2000\" is not a whole number from -1000 to 1000",
        "c | [Container]\\nBase=b\\n[Exec]\\nSystemCallFilter=@system-service;reboot | /etc/jspawn/c.jspawn:4: [Exec] SystemCallFilter=: \"@system-service;reboot\" is not a system call name or @group, optionally after ~",
        "c | [Container]\\nBase=b\\n[Exec]\\nProcessTwo=yes | /etc/jspawn/c.jspawn:4: [Exec] ProcessTwo=: ProcessTwo=yes runs a command as PID 2; it cannot be combined with Boot=yes",
        "c | [Container]\\nBase=b\\n[Exec]\\nTimezone=UTC | /etc/jspawn/c.jspawn:4: [Exec] Timezone=: \"UTC\" is not one of off, copy, bind, symlink, delete, auto",
        "c | [Container]\\nBase=b\\n[Files]\\nVolatile=maybe | /etc/jspawn/c.jspawn:4: [Files] Volatile=: \"maybe\" is not a boolean, state or overlay",
        "c | [Container]\\nBase=b\\n[Files]\\nTemporaryFileSystem=/tmp:mode=1777 size=1G | /etc/jspawn/c.jspawn:4: [Files] TemporaryFileSystem=: \"mode=1777 size=1G\" is not a list of mount options such as mode=0755,size=64M",
        "c | [Container]\\nBase=b\\n[Files]\\nInaccessible=/sys/../etc | /etc/jspawn/c.jspawn:4: [Files] Inaccessible=: path \"/sys/../etc\" has a \"..\" component",
        "c | [Container]\\nBase=b\\n[Files]\\nOverlay=/srv | /etc/jspawn/c.jspawn:4: [Files] Overlay=: \"/srv\" needs 2 to 64 colon-separated paths",
        "c | [Container]\\nBase=b\\n[Network]\\nMACVLAN=eth0/1 | /etc/jspawn/c.jspawn:4: [Network] MACVLAN=: \"eth0/1\" is not a valid name (1 to 15 of A-Z a-z 0-9 _ . -)",
        "c | [Container]\\nBase=b\\n[Network]\\nVirtualEthernetExtra=a:b:c | /etc/jspawn/c.jspawn:4: [Network] VirtualEthernetExtra=: \"a:b:c\" is not HOSTIF[:CONTAINERIF]",
        "c | [Container]\\nBase=b\\nNspawnArgs=--private-users=0 | /etc/jspawn/c.jspawn:3: [Container] NspawnArgs=: --private-users is set by jspawn or has a key of its own; see the key table in jspawn.jspawn(5)",
        "c | [Container]\\nBase=b\\nNspawnArgs=--network-interface eth1 | /etc/jspawn/c.jspawn:3: [Container] NspawnArgs=: \"eth1\" is not an option of the form --name or --name=value (write an option's value after '=')",
        "c | [Container]\\nBase=b\\nNspawnArgs=-U | /etc/jspawn/c.jspawn:3: [Container] NspawnArgs=: \"-U\" is not an option of the form --name or --name=value",
        "c | [Container]\\nBase=b\\n[Exec]\\nKeepUnit=yes | /etc/jspawn/c.jspawn:4: [Exec] KeepUnit=: unknown key; the keys of [Exec] are listed in jspawn.jspawn(5); NspawnArgs= passes any other systemd-nspawn option",
        "c | [Container]\\nBase=b\\nHealthCmd=true\\nHealthInterval=soon | /etc/jspawn/c.jspawn:4: [Container] HealthInterval=: \"soon\" is not a time span (such as 30s, 1min 30s or 500ms)",
        "c | [Container]\\nBase=b\\nHealthCmd=true\\nHealthInterval=500ms | /etc/jspawn/c.jspawn:4: [Container] HealthInterval=: an interval of less than 1s",
        "c | [Container]\\nBase=b\\nHealthCmd=true\\nHealthRetries=0 | /etc/jspawn/c.jspawn:4: [Container] HealthRetries=: \"0\" is not a number of retries from 1 to 1000",
        "c | [Container]\\nBase=b\\nHealthCmd=true\\nHealthOnFailure=explode | /etc/jspawn/c.jspawn:4: [Container] HealthOnFailure=: \"explode\" is not one of none, kill, restart, stop",
        "c | [Container]\\nBase=b\\nHealthTimeout=5s | /etc/jspawn/c.jspawn:3: [Container] HealthTimeout=: HealthTimeout= needs HealthCmd= (the check to run)",
        "c | [Container]\\nBase=b\\nHealthCmd=true\\nNotify=yes | /etc/jspawn/c.jspawn:4: [Container] Notify=: \"yes\" is not healthy (the unit is ready once its check passes)",
        "c | [Container]\\nBase=b\\nNotify=healthy | /etc/jspawn/c.jspawn:3: [Container] Notify=: Notify= needs HealthCmd= (the check to run)",
        "c | [Container]\\nBase=b\\n[Exec]\\nBoot=maybe | /etc/jspawn/c.jspawn:4: [Exec] Boot=: \"maybe\" is not a boolean (yes/no, true/false, on/off, 1/0)",
        "c | [Container]\\nBase=b\\n[Exec]\\nBoot=no\\nParameters=/bin/true\\nNotifyReady=yes | /etc/jspawn/c.jspawn:6: [Exec] NotifyReady=: NotifyReady=yes needs Boot=yes: jspawn waits for the guest's systemd to finish booting",
        "c | [Container]\\nBase=b\\n[Exec]\\nNotifyReady=maybe | /etc/jspawn/c.jspawn:4: [Exec] NotifyReady=: \"maybe\" is not a boolean (yes/no, true/false, on/off, 1/0)",
        "c | [Container]\\nBase=b\\n[Exec]\\nBoot=no\\nParameters=\"\" /bin/true | /etc/jspawn/c.jspawn:5: [Exec] Parameters=: no command given",
        "c | [Container]\\nBase=b\\n[Exec]\\nParameters=/bin/sh -c 'x | /etc/jspawn/c.jspawn:4: [Exec] Parameters=: unterminated quote in \"/bin/sh -c 'x\"",
        "c | [Container]\\nBase=b\\n[Exec]\\nEnvironment=1A=x | /etc/jspawn/c.jspawn:4: [Exec] Environment=: \"1A=x\" is not NAME=VALUE with a valid variable name",
        "c | [Container]\\nBase=b\\n[Files]\\nBind=/a,b:/c | /etc/jspawn/c.jspawn:4: [Files] Bind=: path \"/a,b\" is refused: ',' would end the mount option (in \"/a,b:/c\")",
        "c | [Container]\\nBase=b\\n[Files]\\nBindReadOnly=a:/c | /etc/jspawn/c.jspawn:4: [Files] BindReadOnly=: \"a\" is not an absolute path (in \"a:/c\")",
        "c | [Container]\\nBase=b\\n[Network]\\nPort=70000 | /etc/jspawn/c.jspawn:4: [Network] Port=: port 70000 is out of range 1-65535",
        "c | [Container]\\nBase=b\\n[Network]\\nVirtualEthernet=no\\nPort=80 | /etc/jspawn/c.jspawn:5: [Network] Port=: Port= needs a virtual Ethernet link, but this container uses the host's network",
        "c | [Container]\\nBase=b\\n[Network]\\nBridge=br0\\nZone=z | /etc/jspawn/c.jspawn:5: [Network] Zone=: Bridge= and Zone= cannot both be set",
        "c | [Container]\\nBase=b\\n[Network]\\nBridge=br0\\nVirtualEthernet=no | /etc/jspawn/c.jspawn:5: [Network] VirtualEthernet=: Bridge= and Zone= need a virtual Ethernet link; remove VirtualEthernet=no",
        "c | [Container]\\nBase=c | /etc/jspawn/c.jspawn:2: [Container] Base=: the base \"/var/lib/jspawn/c\" is this container's own directory",
        "c | [Container]\\nBase=b\\nImageRoot=/ | /etc/jspawn/c.jspawn:3: [Container] ImageRoot=: / is one of the host's own directories; give containers a directory of their own, such as /var/lib/jspawn",
        "c | [Container]\\nBase=b\\nImageRoot=/etc/jspawn | /etc/jspawn/c.jspawn:3: [Container] ImageRoot=: /etc/jspawn is inside the host's /etc; give containers a directory of their own, such as /var/lib/jspawn",
        "c | [Container]\\nBase=/ | /etc/jspawn/c.jspawn:2: [Container] Base=: the base / is one of the host's own directories: the guest would see it whole",
        "c | [Container]\\nBase=/usr | /etc/jspawn/c.jspawn:2: [Container] Base=: the base /usr is the host's /usr: the guest would see it whole",
        "c | [Container]\\nBase=/var/lib/jspawn | /etc/jspawn/c.jspawn:2: [Container] Base=: the base \"/var/lib/jspawn\" overlaps this container's own directory /var/lib/jspawn/c",
        "c | [Container]\\nBase=/var/lib/jspawn/c_up/x | /etc/jspawn/c.jspawn:2: [Container] Base=: the base \"/var/lib/jspawn/c_up/x\" overlaps this container's own directory /var/lib/jspawn/c_up",
        "c | [Container]\\nBase=b\\n[Exec]\\nPrivateUsers=identity | /etc/jspawn/c.jspawn:4: [Exec] PrivateUsers=: \"identity\" maps the guest's root to host root; use PrivateUsers=no for that, or pick (the default)",
        "c | [Container]\\nBase=b\\n[Exec]\\nPrivateUsers=0 | /etc/jspawn/c.jspawn:4: [Exec] PrivateUsers=: \"0\" is not a range start: use a multiple of 65536 from 65536 to 2147418112 (0 would be host root)",
        "c | [Container]\\nBase=b\\n[Exec]\\nPrivateUsers=65537 | /etc/jspawn/c.jspawn:4: [Exec] PrivateUsers=: \"65537\" is not a range start: use a multiple of 65536 from 65536 to 2147418112 (0 would be host root)",
        "c | [Container]\\nBase=b\\n[Exec]\\nPrivateUsers=65536:1000 | /etc/jspawn/c.jspawn:4: [Exec] PrivateUsers=: \"65536:1000\": a child's range is 65536 IDs; give its start (a multiple of 65536), optionally followed by :65536",
        "c | [Container]\\nBase=b\\n[Exec]\\nPrivateUsers=maybe | /etc/jspawn/c.jspawn:4: [Exec] PrivateUsers=: \"maybe\" is not pick, a boolean, or the first UID of a range (e.g. 1879048192)",
        "c | [Container]\\nBase=b\\nOops | /etc/jspawn/c.jspawn:3: missing '=' in \"Oops\": expected KEY=VALUE",
        "a.-b | [Container]\\nBase=b | /etc/jspawn/a.-b.jspawn: machine name \"a.-b\" is not a valid host name: a label may not start or end with '-' (\"-b\") (derived from the file name); set [Container] MachineName=",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | [Container]\\nBase=b | /etc/jspawn/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.jspawn: machine name \"aaaaaaaaaaaaaaaaaaaa\u2026\" (64 characters) is not a valid host name: a machine name's label (the part between dots) is at most 63 characters (derived from the file name); set [Container] MachineName=",
        "web_ | [Container]\\nBase=b | /etc/jspawn/web_.jspawn: machine name \"web-\" is not a valid host name: a label may not start or end with '-' (derived from the file name); set [Container] MachineName=",
    })
    void namesFileLineKeyAndReason(String name, String text, String expected) {
        List<String> errors = errors(name, text);
        assertEquals(expected, errors.get(0), "all errors: " + errors);
    }
}
