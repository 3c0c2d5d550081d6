/*
 * The checkpoint specimen: one container whose state exercises every part of a CRIU checkpoint that
 * KForensics reads. Built statically (gcc -static -pthread) by Install-KfSpecimenImage and run as the
 * container's init. Prints "ready" once everything below is in place, then "tick N" once a second.
 *
 *   pid 1  kf-specimen    argv: /specimen [--mib N] [--stopped] [--no-zombie]
 *     threads kf-tcp (TCP 0.0.0.0:8080, answers "kforensics-specimen\n"), kf-udp (UDP 0.0.0.0:5353,
 *             echoes), kf-unix (unix stream listener /tmp/kf.sock, answers the same line)
 *     fds     /tmp/kf-open.txt (written, open), /tmp/kf-deleted.txt (open, unlinked), the TCP
 *             listener, an ESTABLISHED loopback connection to it (both ends kept open, the
 *             answer left unread), the UDP socket, the unix listener, one end of a socketpair
 *     memory  KF-MARKER-HEAP-<n> strings, the binary marker 00 4b 46 ff 10 4b 46 00,
 *             KF-MARKER-STRADDLE across a 4 MiB-aligned address inside a large malloc'd buffer,
 *             with --mib N: N MiB touched, KF-MARKER-END in the last page but one
 *     child  kf-child       argv: kf-child --role child      (other socketpair end, pipe writer)
 *       grandchild kf-grandchild argv: kf-grandchild --role grandchild (pipe reader, never reads)
 *     child  kf-stopped     argv: kf-stopped --role stopped  (raise(SIGSTOP)), only with --stopped:
 *            under the cgroup v1 freezer CRIU's PTRACE_SEIZE of a stopped task blocks until the
 *            cgroup is thawed, so a checkpoint of the specimen with it hangs
 *     child  kf-zombie      (exits 7, never reaped), left out with --no-zombie: checkpointctl 1.3
 *            cannot inspect files, sockets, command lines or environments of a checkpoint with a zombie
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define ANSWER "kforensics-specimen\n"
#define HEAP_MARKERS 16
#define STRADDLE_BUFFER (12u << 20)
#define FOUR_MIB (4ul << 20)

/* Fixed descriptor numbers handed across exec to the child and grandchild. */
#define FD_PAIR 10
#define FD_PIPE_READ 11
#define FD_PIPE_WRITE 12
#define FD_READY 13

static const unsigned char binary_marker[8] = { 0x00, 0x4b, 0x46, 0xff, 0x10, 0x4b, 0x46, 0x00 };

/* Kept in globals so that nothing is freed and the compiler cannot drop the buffers. */
static char *heap_markers[HEAP_MARKERS];
static unsigned char *binary_buffer;
static char *straddle_buffer;
static char *big_buffer;
static int self_port; /* local port of the specimen's own loopback connection */
static int kept_fds[16];

static void die(const char *what)
{
    fprintf(stderr, "specimen: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void set_name(const char *name)
{
    if (prctl(PR_SET_NAME, name, 0, 0, 0) != 0)
        die("prctl(PR_SET_NAME)");
}

static void write_all(int fd, const char *text)
{
    size_t left = strlen(text);
    while (left > 0) {
        ssize_t n = write(fd, text, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        text += n;
        left -= (size_t)n;
    }
}

/* Moves descriptors to fixed numbers without close-on-exec, through numbers above 100 so that a target
   that is also a source (or already the right number, close-on-exec) is handled. */
static void move_fds(const int *from, const int *to, int n)
{
    int tmp[8];
    for (int i = 0; i < n; i++) {
        tmp[i] = fcntl(from[i], F_DUPFD, 100);
        if (tmp[i] < 0)
            die("fcntl(F_DUPFD)");
        close(from[i]);
    }
    for (int i = 0; i < n; i++) {
        if (dup2(tmp[i], to[i]) < 0)
            die("dup2");
        close(tmp[i]);
    }
}

static void signal_ready(char what)
{
    if (write(FD_READY, &what, 1) != 1)
        die("write(ready)");
    close(FD_READY);
}

static void idle_forever(void)
{
    for (;;)
        pause();
}

/* ---- the child and grandchild (exec'd, so that their command lines differ) ---------------- */

static int run_grandchild(void)
{
    set_name("kf-grandchild");
    close(FD_PIPE_WRITE);
    /* The pipe's read end stays open and unread: its data is in the checkpoint's pipe buffer. */
    signal_ready('g');
    idle_forever();
    return 0;
}

static int run_child(char *self)
{
    set_name("kf-child");
    pid_t pid = fork();
    if (pid < 0)
        die("fork(grandchild)");
    if (pid == 0) {
        close(FD_PAIR);
        char *argv[] = { "kf-grandchild", "--role", "grandchild", NULL };
        execv(self, argv);
        die("execv(grandchild)");
    }
    close(FD_PIPE_READ);
    write_all(FD_PIPE_WRITE, "KF-PIPE-DATA from kf-child\n");
    write_all(FD_PAIR, "KF-SOCKETPAIR from kf-child\n");
    signal_ready('c');
    for (;;) {
        /* Reap nothing: the grandchild lives as long as the child. */
        pause();
    }
    return 0;
}

static int run_stopped(void)
{
    set_name("kf-stopped");
    raise(SIGSTOP);
    idle_forever();
    return 0;
}

/* ---- threads of the specimen ------------------------------------------------------------- */

static void *tcp_thread(void *arg)
{
    int listener = (int)(long)arg;
    set_name("kf-tcp");
    for (;;) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        int fd = accept4(listener, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            sleep(1);
            continue;
        }
        write_all(fd, ANSWER);
        /* The specimen's own loopback connection stays ESTABLISHED; every other one is answered and closed. */
        if (peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && ntohs(peer.sin_port) == self_port)
            kept_fds[1] = fd;
        else
            close(fd);
    }
    return NULL;
}

static void *udp_thread(void *arg)
{
    int fd = (int)(long)arg;
    set_name("kf-udp");
    for (;;) {
        char buf[512];
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len);
        if (n > 0)
            sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, len);
    }
    return NULL;
}

static void *unix_thread(void *arg)
{
    int listener = (int)(long)arg;
    set_name("kf-unix");
    for (;;) {
        int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EINTR)
                sleep(1);
            continue;
        }
        write_all(fd, ANSWER);
        close(fd);
    }
    return NULL;
}

static void start_thread(void *(*body)(void *), int fd)
{
    pthread_t thread;
    if (pthread_create(&thread, NULL, body, (void *)(long)fd) != 0)
        die("pthread_create");
    pthread_detach(thread);
}

/* ---- set-up of pid 1 --------------------------------------------------------------------- */

static void open_files(void)
{
    int fd = open("/tmp/kf-open.txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        die("open(/tmp/kf-open.txt)");
    write_all(fd, "KF-OPEN-FILE: written by kf-specimen and kept open\n");
    kept_fds[2] = fd;

    fd = open("/tmp/kf-deleted.txt", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        die("open(/tmp/kf-deleted.txt)");
    write_all(fd, "KF-DELETED-FILE: unlinked while open\n");
    if (unlink("/tmp/kf-deleted.txt") != 0)
        die("unlink(/tmp/kf-deleted.txt)");
    kept_fds[3] = fd;
}

static void open_sockets(void)
{
    int one = 1;
    struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(8080), .sin_addr.s_addr = htonl(INADDR_ANY) };

    int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (tcp < 0)
        die("socket(tcp)");
    setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(tcp, (struct sockaddr *)&any, sizeof any) != 0 || listen(tcp, 16) != 0)
        die("bind/listen(tcp 8080)");

    /* Connected before the accepting thread starts, so that it knows the specimen's own port. */
    int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in loop = { .sin_family = AF_INET, .sin_port = htons(8080), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (client < 0 || connect(client, (struct sockaddr *)&loop, sizeof loop) != 0)
        die("connect(127.0.0.1:8080)");
    struct sockaddr_in local;
    socklen_t len = sizeof local;
    getsockname(client, (struct sockaddr *)&local, &len);
    self_port = ntohs(local.sin_port);
    kept_fds[0] = client;
    start_thread(tcp_thread, tcp);

    int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in mdns = { .sin_family = AF_INET, .sin_port = htons(5353), .sin_addr.s_addr = htonl(INADDR_ANY) };
    if (udp < 0 || bind(udp, (struct sockaddr *)&mdns, sizeof mdns) != 0)
        die("bind(udp 5353)");
    start_thread(udp_thread, udp);

    int ux = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un path = { .sun_family = AF_UNIX };
    strcpy(path.sun_path, "/tmp/kf.sock");
    unlink(path.sun_path);
    socklen_t path_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path.sun_path));
    if (ux < 0 || bind(ux, (struct sockaddr *)&path, path_len) != 0 || listen(ux, 8) != 0)
        die("bind/listen(/tmp/kf.sock)");
    start_thread(unix_thread, ux);
}

static void place_markers(long mib)
{
    for (int i = 0; i < HEAP_MARKERS; i++) {
        heap_markers[i] = malloc(64);
        snprintf(heap_markers[i], 64, "KF-MARKER-HEAP-%d", i);
    }

    binary_buffer = malloc(64);
    memset(binary_buffer, 0x5a, 64);
    memcpy(binary_buffer + 16, binary_marker, sizeof binary_marker);

    /* A marker across the first 4 MiB-aligned address inside the buffer (so across a page too). */
    straddle_buffer = malloc(STRADDLE_BUFFER);
    if (!straddle_buffer)
        die("malloc(straddle)");
    memset(straddle_buffer, '.', STRADDLE_BUFFER);
    const char *straddle = "KF-MARKER-STRADDLE";
    unsigned long boundary = ((unsigned long)straddle_buffer + FOUR_MIB) & ~(FOUR_MIB - 1);
    memcpy((char *)boundary - 9, straddle, strlen(straddle));

    if (mib > 0) {
        size_t size = (size_t)mib << 20;
        big_buffer = malloc(size);
        if (!big_buffer)
            die("malloc(--mib)");
        for (size_t off = 0; off < size; off += 4096)
            big_buffer[off] = (char)(1 + (off >> 12) % 251);
        memcpy(big_buffer + size - 8192, "KF-MARKER-END", 13);
    }
}

static void on_term(int sig)
{
    (void)sig;
    _exit(0);
}

int main(int argc, char **argv)
{
    long mib = 0;
    int with_stopped = 0, with_zombie = 1;
    const char *role = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mib") && i + 1 < argc)
            mib = atol(argv[++i]);
        else if (!strcmp(argv[i], "--no-zombie"))
            with_zombie = 0;
        else if (!strcmp(argv[i], "--stopped"))
            with_stopped = 1;
        else if (!strcmp(argv[i], "--role") && i + 1 < argc)
            role = argv[++i];
    }
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0)
        die("readlink(/proc/self/exe)");
    self[n] = 0;

    if (role && !strcmp(role, "child"))
        return run_child(self);
    if (role && !strcmp(role, "grandchild"))
        return run_grandchild();
    if (role && !strcmp(role, "stopped"))
        return run_stopped();

    set_name("kf-specimen");
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    signal(SIGPIPE, SIG_IGN);

    place_markers(mib);
    open_files();
    open_sockets();

    int pair[2], pipefd[2], ready[2];
    /* Close-on-exec everywhere: the exec'd processes hold only the descriptors moved to fixed numbers. */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0 || pipe2(pipefd, O_CLOEXEC) != 0 || pipe2(ready, O_CLOEXEC) != 0)
        die("socketpair/pipe");

    pid_t child = fork();
    if (child < 0)
        die("fork(child)");
    if (child == 0) {
        close(pair[0]);
        close(ready[0]);
        int from[] = { pair[1], pipefd[0], pipefd[1], ready[1] };
        int to[] = { FD_PAIR, FD_PIPE_READ, FD_PIPE_WRITE, FD_READY };
        move_fds(from, to, 4);
        char *args[] = { "kf-child", "--role", "child", NULL };
        execv(self, args);
        die("execv(child)");
    }
    close(pair[1]);
    close(pipefd[0]);
    close(pipefd[1]);
    close(ready[1]);
    kept_fds[4] = pair[0];
    write_all(pair[0], "KF-SOCKETPAIR from kf-specimen\n");

    pid_t stopped = with_stopped ? fork() : 0;
    if (stopped < 0)
        die("fork(stopped)");
    if (with_stopped && stopped == 0) {
        close(ready[0]);
        close(pair[0]);
        char *args[] = { "kf-stopped", "--role", "stopped", NULL };
        execv(self, args);
        die("execv(stopped)");
    }

    pid_t zombie = with_zombie ? fork() : 0;
    if (zombie < 0)
        die("fork(zombie)");
    if (with_zombie && zombie == 0) {
        set_name("kf-zombie");
        _exit(7);
    }

    /* Ready when the child and grandchild have written their data, the stopped child is stopped and
       the zombie has exited (waited for with WNOWAIT, so it stays a zombie). */
    char got[2];
    size_t have = 0;
    while (have < 2) {
        ssize_t r = read(ready[0], got + have, 2 - have);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            fprintf(stderr, "specimen: the child or grandchild did not start\n");
            return 2;
        }
        have += (size_t)r;
    }
    close(ready[0]);
    int status;
    while (with_stopped && waitpid(stopped, &status, WUNTRACED) < 0 && errno == EINTR)
        ;
    siginfo_t info;
    while (with_zombie && waitid(P_PID, (id_t)zombie, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR)
        ;

    printf("ready\n");
    for (long tick = 1;; tick++) {
        sleep(1);
        printf("tick %ld\n", tick);
    }
}
