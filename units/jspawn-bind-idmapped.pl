#!/usr/bin/perl
# /usr/libexec/jspawn/jspawn-bind-idmapped INSIDE:OUTSIDE:COUNT SOURCE TARGET
# Binds SOURCE (its own mount, not those below it) read-only at TARGET, idmapped: IDs INSIDE to
# INSIDE+COUNT-1 of the files show as OUTSIDE to OUTSIDE+COUNT-1, users and groups alike. That is
# what "mount --bind -o ro,X-mount.idmap=INSIDE:OUTSIDE:COUNT SOURCE TARGET" does where mount(8)
# can idmap (util-linux 2.39 and later); jspawn-prepare runs this where it cannot (Debian 12), so
# that a start does again what the helper prepared without waiting for the helper's JVM.
#
# The same system calls as the helper's: open_tree(OPEN_TREE_CLONE) of SOURCE, mount_setattr()
# with MOUNT_ATTR_RDONLY | MOUNT_ATTR_IDMAP and a user namespace holding the mapping, move_mount()
# to TARGET. The user namespace is that of a child, `unshare --user -- cat`, whose maps this writes
# from outside (as root may); the open namespace outlives the child. perl-base is Essential in
# Debian, so this needs nothing installed, and nothing of its own outlives it.
use strict;
use warnings;
use Config;
use POSIX ();

my $me = 'jspawn-bind-idmapped';
sub fail { print STDERR "$me: @_\n"; exit 1; }

@ARGV == 3 or fail('usage: jspawn-bind-idmapped INSIDE:OUTSIDE:COUNT SOURCE TARGET');
my ($map, $source, $target) = @ARGV;
my ($inside, $outside, $count) = $map =~ /\A([0-9]{1,10}):([0-9]{1,10}):([0-9]{1,10})\z/
    or fail("not a mapping INSIDE:OUTSIDE:COUNT: '$map'");
$count > 0 && $inside + $count <= 4294967295 && $outside + $count <= 4294967295 or fail("not a mapping of IDs: '$map'");

# The new mount API's numbers are the same in every architecture's table, but for those that add an offset to all of
# theirs (alpha, ia64, mips), which this leaves to the helper.
my $arch = $Config{archname};
$arch =~ /\A(?:x86_64|i[3-6]86|aarch64|arm|powerpc|ppc|s390x|riscv64|loongarch64)/
    or fail("does not know the system call numbers on $arch; the helper prepares it");
my ($SYS_OPEN_TREE, $SYS_MOVE_MOUNT, $SYS_MOUNT_SETATTR) = (428, 429, 442);
my ($AT_FDCWD, $AT_EMPTY_PATH, $AT_RECURSIVE) = (-100, 0x1000, 0x8000);
my ($OPEN_TREE_CLONE, $O_CLOEXEC, $MOVE_MOUNT_F_EMPTY_PATH) = (1, 02000000, 0x4);
my ($MOUNT_ATTR_RDONLY, $MOUNT_ATTR_IDMAP) = (0x1, 0x100000);

# A u64 of struct mount_attr, from a value that fits in 32 bits, in this machine's byte order.
sub u64 { my $v = shift; $Config{byteorder} =~ /\A1/ ? pack('LL', $v, 0) : pack('LL', 0, $v) }

# The user namespace: a child enters a new one, this writes its maps, and keeps it open.
pipe(my $keep, my $hold) or fail("cannot make a pipe: $!");
my $pid = fork() // fail("cannot fork: $!");
if ($pid == 0) {
    close $hold;
    POSIX::dup2(fileno($keep), 0) // POSIX::_exit(127);
    open STDOUT, '>', '/dev/null';
    { no warnings 'exec'; exec { '/usr/bin/unshare' } 'unshare', '--user', '--', 'cat'; }
    POSIX::_exit(127);
}
close $keep;
my $ours = readlink('/proc/self/ns/user') // fail("cannot read /proc/self/ns/user: $!");
my $deadline = time + 5;
while (1) {
    my $theirs = readlink("/proc/$pid/ns/user");
    last if defined $theirs && $theirs ne $ours;
    waitpid($pid, POSIX::WNOHANG()) == 0 or fail("unshare --user ended before it entered a user namespace");
    time <= $deadline or fail('unshare --user did not enter a user namespace within 5 s');
    select(undef, undef, undef, 0.001);
}
for my $which ('uid_map', 'gid_map') {
    # (one write, as the kernel takes a map)
    open(my $f, '>', "/proc/$pid/$which") or fail("cannot open /proc/$pid/$which: $!");
    defined syswrite($f, "$inside $outside $count\n") or fail("cannot write /proc/$pid/$which: $!");
    close $f or fail("cannot write /proc/$pid/$which: $!");
}
open(my $ns, '<', "/proc/$pid/ns/user") or fail("cannot open /proc/$pid/ns/user: $!");
close $hold;
waitpid($pid, 0);

# Numbers passed as numbers; paths, the empty path and the struct as pointers to (writable) strings.
my ($from, $to, $empty) = ("$source", "$target", '');
my $tree = syscall($SYS_OPEN_TREE, $AT_FDCWD, $from, $OPEN_TREE_CLONE | $O_CLOEXEC);
$tree >= 0 or fail("Failed to clone $source: $!");
my $attr = u64($MOUNT_ATTR_RDONLY | $MOUNT_ATTR_IDMAP) . u64(0) . u64(0) . u64(fileno($ns));
syscall($SYS_MOUNT_SETATTR, $tree, $empty, $AT_EMPTY_PATH | $AT_RECURSIVE, $attr, length($attr)) == 0
    or fail("Failed to idmap $source: $!");
syscall($SYS_MOVE_MOUNT, $tree, $empty, $AT_FDCWD, $to, $MOVE_MOUNT_F_EMPTY_PATH) == 0
    or fail("Failed to attach the view of $source at $target: $!");
exit 0;
