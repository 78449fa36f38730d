// backtest: command-line entry point; everything lives in scalpel_backtest (cli.cpp).
#include "backtest/cli.hpp"

int main(int argc, char** argv) {
    return scalpel::backtest::run_cli(argc, argv);
}
