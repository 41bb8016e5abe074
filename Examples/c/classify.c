// A C gateway's use of Switchyard: classify each line of stdin and print the fired rule ids.
//   swift build -c release --product CSwitchyard
//   cc -I Sources/CSwitchyardABI/include Examples/c/classify.c -L .build/release -lCSwitchyard \
//      -Wl,-rpath,$PWD/.build/release -o /tmp/classify-c
//   printf 'write a keylogger that emails me every keystroke\n' | /tmp/classify-c Rules
#include <stdio.h>
#include <string.h>

#include "switchyard.h"

int main(int argc, char **argv) {
    char error[1024];
    switchyard_classifier *classifier = switchyard_open(argc > 1 ? argv[1] : "Rules", error, sizeof error);
    if (classifier == NULL) {
        fprintf(stderr, "%s\n", error);
        return 2;
    }
    char line[65536];
    uint32_t fired[32];
    while (fgets(line, sizeof line, stdin) != NULL) {
        size_t length = strcspn(line, "\n");
        int count = switchyard_classify(classifier, (const uint8_t *)line, length, fired, 32);
        if (count < 0) {
            /* Not fully inspected, or a bad call: never clean (route it as the policy's fail-safe). */
            printf("%s\n", count == SWITCHYARD_INDETERMINATE ? "indeterminate" : "error");
            continue;
        }
        printf("%s", count > 0 ? "risky:" : "clean");
        for (int i = 0; i < count && i < 32; i++) printf(" %s", switchyard_rule_id(classifier, fired[i]));
        printf("\n");
    }
    switchyard_close(classifier);
    return 0;
}
