// IPC namespaces: System V IPC objects, POSIX message queues and the IPC sysctls
// (ipc_namespaces(7)). Objects are created only inside new IPC namespaces, which the
// kernel destroys with their last process; the host is only looked at.
#include <fcntl.h>
#include <mqueue.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include <cstring>
#include <sstream>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/mounts.h"
#include "core/error.h"
#include "core/ns_id.h"
#include "core/proc.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr NsType kIpc = NsType::Ipc;
constexpr key_t kShmKey = 0x6e736d32;  // "nsm2"
constexpr key_t kMsgKey = 0x6e736d33;
constexpr key_t kSemKey = 0x6e736d34;
constexpr const char* kQueue = "/nsm-mq";

struct MsgBuf {
  long mtype;
  char mtext[32];
};

int lines_of(const std::string& path) {
  std::istringstream in(must_read_file(path));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) ++n;
  return n;
}

std::string shm_text(int id) {
  void* at = ::shmat(id, nullptr, SHM_RDONLY);
  if (at == reinterpret_cast<void*>(-1)) throw_sys("shmat");
  std::string text(static_cast<const char*>(at));
  ::shmdt(at);
  return text;
}

void shm_write(int id, const char* text) {
  void* at = ::shmat(id, nullptr, 0);
  if (at == reinterpret_cast<void*>(-1)) throw_sys("shmat");
  std::strcpy(static_cast<char*>(at), text);
  ::shmdt(at);
}

}  // namespace

NSM_CHECK(IpcNamespace, SysvSharedMemorySameKeyIsSeparate,
          {.id = "ipc.sysv.shm-separate",
           .kind = CheckKind::Guarantee,
           .type = kIpc,
           .title = "System V shared memory with the same key is a different segment in each IPC namespace",
           .needs = {.namespaces = {kIpc}}}) {
  const bool host_had_key = ::shmget(kShmKey, 0, 0) >= 0;
  Peer first = Peer::spawn(container(CLONE_NEWIPC), [](Link& link) {
    require_apart_from_suite(kIpc, "create an IPC object");
    const int id = ::shmget(kShmKey, 4096, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0) throw_sys("shmget(IPC_CREAT|IPC_EXCL)");
    shm_write(id, "nsm-first");
    link.send({});
    link.recv();  // the second namespace wrote its own segment meanwhile
    link.send({{"text", shm_text(id)}});
  });
  first.recv();
  const json second = in_child(container(CLONE_NEWIPC), [] {
    require_apart_from_suite(kIpc, "create an IPC object");
    const int id = ::shmget(kShmKey, 4096, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0) return json{{"create", outcome_of(id)}};
    shm_write(id, "nsm-second");
    return json{{"create", "ok"}};
  });
  const bool host_sees = ::shmget(kShmKey, 0, 0) >= 0;
  first.send("read");
  const json first_again = first.recv();
  first.finish();
  EXPECT_EQ(second["create"], "ok") << "IPC_EXCL with the same key must succeed in another namespace";
  EXPECT_EQ(first_again["text"], "nsm-first") << "the other namespace's write must not reach this segment";
  if (!host_had_key) {
    EXPECT_FALSE(host_sees) << "the host must not see a segment created inside";
  }
}

NSM_CHECK(IpcNamespace, SysvMessageQueueSameKeyIsSeparate,
          {.id = "ipc.sysv.msg-separate",
           .kind = CheckKind::Guarantee,
           .type = kIpc,
           .title = "a System V message queue with the same key is a different queue in each IPC namespace",
           .needs = {.namespaces = {kIpc}}}) {
  const bool host_had_key = ::msgget(kMsgKey, 0) >= 0;
  Peer first = Peer::spawn(container(CLONE_NEWIPC), [](Link& link) {
    require_apart_from_suite(kIpc, "create an IPC object");
    const int id = ::msgget(kMsgKey, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0) throw_sys("msgget(IPC_CREAT|IPC_EXCL)");
    MsgBuf m{1, "nsm-message"};
    if (::msgsnd(id, &m, sizeof m.mtext, IPC_NOWAIT) != 0) throw_sys("msgsnd");
    link.send({});
    link.recv();
  });
  first.recv();
  const json second = in_child(container(CLONE_NEWIPC), [] {
    require_apart_from_suite(kIpc, "create an IPC object");
    const int id = ::msgget(kMsgKey, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0) return json{{"create", outcome_of(id)}};
    MsgBuf m{};
    const ssize_t got = ::msgrcv(id, &m, sizeof m.mtext, 0, IPC_NOWAIT);
    return json{{"create", "ok"}, {"receive", outcome_of(got)}};
  });
  const bool host_sees = ::msgget(kMsgKey, 0) >= 0;
  first.send("done");
  first.finish();
  EXPECT_EQ(second["create"], "ok") << "IPC_EXCL with the same key must succeed in another namespace";
  EXPECT_EQ(second.value("receive", ""), "ENOMSG")
      << "the queue must be empty: the message was sent in the other namespace";
  if (!host_had_key) {
    EXPECT_FALSE(host_sees) << "the host must not see a queue created inside";
  }
}

NSM_CHECK(IpcNamespace, SysvSemaphoreSameKeyIsSeparate,
          {.id = "ipc.sysv.sem-separate",
           .kind = CheckKind::Guarantee,
           .type = kIpc,
           .title = "a System V semaphore set with the same key is a different set in each IPC namespace",
           .needs = {.namespaces = {kIpc}}}) {
  const bool host_had_key = ::semget(kSemKey, 0, 0) >= 0;
  Peer first = Peer::spawn(container(CLONE_NEWIPC), [](Link& link) {
    require_apart_from_suite(kIpc, "create an IPC object");
    const int id = ::semget(kSemKey, 1, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0) throw_sys("semget(IPC_CREAT|IPC_EXCL)");
    if (::semctl(id, 0, SETVAL, 7) != 0) throw_sys("semctl(SETVAL)");
    link.send({});
    link.recv();
    link.send({{"value", ::semctl(id, 0, GETVAL)}});
  });
  first.recv();
  const json second = in_child(container(CLONE_NEWIPC), [] {
    require_apart_from_suite(kIpc, "create an IPC object");
    const int id = ::semget(kSemKey, 1, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0) return json{{"create", outcome_of(id)}};
    const int value = ::semctl(id, 0, GETVAL);
    if (::semctl(id, 0, SETVAL, 3) != 0) throw_sys("semctl(SETVAL)");
    return json{{"create", "ok"}, {"value", value}};
  });
  const bool host_sees = ::semget(kSemKey, 0, 0) >= 0;
  first.send("read");
  const json first_again = first.recv();
  first.finish();
  EXPECT_EQ(second["create"], "ok");
  EXPECT_EQ(second.value("value", -1), 0) << "a fresh set starts at 0, not at the other namespace's 7";
  EXPECT_EQ(first_again["value"], 7) << "the other namespace's SETVAL must not reach this set";
  if (!host_had_key) {
    EXPECT_FALSE(host_sees) << "the host must not see a set created inside";
  }
}

NSM_CHECK(IpcNamespace, ProcSysvipcListsOnlyOwnObjects,
          {.id = "ipc.sysv.proc-lists-own",
           .kind = CheckKind::Guarantee,
           .type = kIpc,
           .title = "/proc/sysvipc lists the reader's IPC namespace: its own segment inside, nothing in a fresh one",
           .needs = {.namespaces = {kIpc}}}) {
  Peer owner = Peer::spawn(container(CLONE_NEWIPC), [](Link& link) {
    require_apart_from_suite(kIpc, "create an IPC object");
    const int id = ::shmget(kShmKey, 4096, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0) throw_sys("shmget");
    link.send({{"shm_lines", lines_of("/proc/sysvipc/shm")}});
    link.recv();
  });
  const json own = owner.recv();
  const json fresh = in_child(container(CLONE_NEWIPC), [] {
    return json{{"shm_lines", lines_of("/proc/sysvipc/shm")},
                {"msg_lines", lines_of("/proc/sysvipc/msg")},
                {"sem_lines", lines_of("/proc/sysvipc/sem")}};
  });
  owner.send("done");
  owner.finish();
  EXPECT_EQ(own["shm_lines"], 2) << "a header and the one segment of this namespace";
  EXPECT_EQ(fresh["shm_lines"], 1) << "a fresh namespace lists no segment (only the header)";
  EXPECT_EQ(fresh["msg_lines"], 1);
  EXPECT_EQ(fresh["sem_lines"], 1);
}

NSM_CHECK(
    IpcNamespace, PosixMessageQueuesAreSeparate,
    {.id = "ipc.posix.mqueue-separate",
     .kind = CheckKind::Guarantee,
     .type = kIpc,
     .title = "a POSIX message queue created in an IPC namespace is not found from another one, nor from the host",
     .needs = {.namespaces = {kIpc}, .kconfig = {"CONFIG_POSIX_MQUEUE"}}}) {
  const mqd_t host_before = ::mq_open(kQueue, O_RDONLY);
  const bool host_had_queue = host_before != static_cast<mqd_t>(-1);
  if (host_had_queue) ::mq_close(host_before);
  Peer owner = Peer::spawn(container(CLONE_NEWIPC), [](Link& link) {
    mq_attr attr{};
    attr.mq_maxmsg = 4;
    attr.mq_msgsize = 32;
    require_apart_from_suite(kIpc, "create an IPC object");
    const mqd_t q = ::mq_open(kQueue, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
    if (q == static_cast<mqd_t>(-1)) throw_sys("mq_open(O_CREAT|O_EXCL)");
    if (::mq_send(q, "nsm", 3, 0) != 0) throw_sys("mq_send");
    link.send({});
    link.recv();
  });
  owner.recv();
  const json other = in_child(container(CLONE_NEWIPC), [] {
    const mqd_t q = ::mq_open(kQueue, O_RDONLY);
    return json{{"open", outcome_of(q == static_cast<mqd_t>(-1) ? -1 : 0)}};
  });
  const mqd_t host_q = ::mq_open(kQueue, O_RDONLY);
  const bool host_sees = host_q != static_cast<mqd_t>(-1);
  if (host_sees) ::mq_close(host_q);
  owner.send("done");
  owner.finish();
  EXPECT_EQ(other["open"], "ENOENT") << "another IPC namespace must not find the queue";
  if (!host_had_queue) {
    EXPECT_FALSE(host_sees) << "the host must not find the queue";
  }
}

NSM_CHECK(IpcNamespace, MqueueMountShowsOnlyOwnQueues,
          {.id = "ipc.posix.mqueue-mount-own",
           .kind = CheckKind::Guarantee,
           .type = kIpc,
           .title = "an mqueue filesystem mounted inside an IPC namespace lists only that namespace's queues",
           .needs = {.namespaces = {kIpc, NsType::Mnt}, .kconfig = {"CONFIG_POSIX_MQUEUE"}}}) {
  // Two IPC namespaces, each with a queue: the outer one (the child's, proven new by the
  // spawn) and an inner one it unshares. Each mqueue mount must list its own queue and not
  // the other's; nothing is created in the host's namespace.
  const json listed = in_child(container(CLONE_NEWIPC | CLONE_NEWNS), [] {
    const std::string dir = enter_sandbox();
    mq_attr attr{};
    attr.mq_maxmsg = 4;
    attr.mq_msgsize = 32;
    auto create_queue = [&attr](const char* name) {
      require_apart_from_suite(kIpc, "create an IPC object");
      const mqd_t q = ::mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
      if (q == static_cast<mqd_t>(-1)) throw_sys(fmt::format("mq_open({}, O_CREAT|O_EXCL)", name));
    };
    auto mount_here = [&dir](const char* sub) {
      const std::string at = dir + "/" + sub;
      must_mkdir(at);
      must_mount("mqueue", at.c_str(), "mqueue", 0);
      return at;
    };
    create_queue("/nsm-mq-outer");
    const std::string outer = mount_here("outer");
    unshare_verified(CLONE_NEWIPC);
    create_queue("/nsm-mq-own");
    const std::string own = mount_here("own");
    return json{{"outer", list_directory(outer)}, {"own", list_directory(own)}};
  });
  EXPECT_EQ(listed["outer"], json::array({"nsm-mq-outer"})) << "the outer namespace's mount, its queue only";
  EXPECT_EQ(listed["own"], json::array({"nsm-mq-own"})) << "the inner namespace's mount must not list the outer queue";
}

NSM_CHECK(IpcNamespace, ShmmaxIsPerNamespace,
          {.id = "ipc.sysctl.shmmax-per-namespace",
           .kind = CheckKind::Guarantee,
           .type = kIpc,
           .title = "kernel.shmmax written inside an IPC namespace changes only that namespace",
           .needs = {.namespaces = {kIpc}, .root = true}}) {
  const auto host = read_sysctl("kernel.shmmax");
  ASSERT_TRUE(host.has_value());
  const std::string value = *host == "3145728" ? "4194304" : "3145728";
  Peer child = Peer::spawn(CLONE_NEWIPC, [value](Link& link) {
    require_apart_from_suite(kIpc, "write kernel.shmmax");
    write_file(sysctl_path("kernel.shmmax"), value);
    link.send({{"read_back", read_sysctl("kernel.shmmax").value_or("")}});
    link.recv();
  });
  const json inside = child.recv();
  const auto outside_meanwhile = read_sysctl("kernel.shmmax");
  const json fresh = in_child(CLONE_NEWIPC, [] { return json{{"value", read_sysctl("kernel.shmmax").value_or("")}}; });
  child.send("done");
  child.finish();
  EXPECT_EQ(inside["read_back"], value);
  EXPECT_EQ(outside_meanwhile, host) << "the host's kernel.shmmax must not change";
  EXPECT_NE(fresh["value"], value) << "another new namespace must not inherit the write";
}

NSM_CHECK(IpcNamespace, MqueueMsgMaxIsPerNamespace,
          {.id = "ipc.sysctl.msg-max-per-namespace",
           .kind = CheckKind::Guarantee,
           .type = kIpc,
           .title = "fs.mqueue.msg_max written inside an IPC namespace changes only that namespace",
           .needs = {.namespaces = {kIpc}, .kconfig = {"CONFIG_POSIX_MQUEUE"}, .root = true}}) {
  const auto host = read_sysctl("fs.mqueue.msg_max");
  ASSERT_TRUE(host.has_value());
  const std::string value = *host == "17" ? "19" : "17";
  Peer child = Peer::spawn(CLONE_NEWIPC, [value](Link& link) {
    require_apart_from_suite(kIpc, "write fs.mqueue.msg_max");
    write_file(sysctl_path("fs.mqueue.msg_max"), value);
    link.send({{"read_back", read_sysctl("fs.mqueue.msg_max").value_or("")}});
    link.recv();
  });
  const json inside = child.recv();
  const auto outside_meanwhile = read_sysctl("fs.mqueue.msg_max");
  child.send("done");
  child.finish();
  EXPECT_EQ(inside["read_back"], value);
  EXPECT_EQ(outside_meanwhile, host) << "the host's fs.mqueue.msg_max must not change";
}
